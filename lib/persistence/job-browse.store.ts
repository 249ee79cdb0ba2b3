import type { Kysely } from 'kysely';
import type { JobSummary } from '../interfaces/jobs-inspector.types.js';
import type { JobState } from '../interfaces/job-state.js';
import type { JobRow, JobsDialect } from './jobs-dialect.js';
import { toDate, toId } from './row.mapper.js';
import type { JobPageFilter } from './statements/browse-jobs.sql.js';

export type { JobPageFilter } from './statements/browse-jobs.sql.js';

/** The store's intents for reading the queue as an operator does (`JobsInspector`); reads only. */
export class JobBrowseStore {
  constructor(
    private readonly d: JobsDialect,
    private readonly db: Kysely<any>,
  ) {}

  /** A page of jobs, newest first. */
  async jobPage(filter: JobPageFilter): Promise<JobSummary[]> {
    return (await this.d.jobPage(this.db, filter)).map((r) => this.summary(r));
  }

  /** The steps of a pipeline as summaries, by id, and its edges (dependency -> dependant). */
  async pipelineGraph(id: string): Promise<{ nodes: JobSummary[]; edges: { from: string; to: string }[] }> {
    const [rows, edges] = [await this.d.pipelineJobs(this.db, id), await this.d.pipelineEdges(this.db, id)];
    return {
      nodes: rows.map((r) => this.summary(r)),
      edges: edges.map((e) => ({ from: String(e.depends_on_id), to: String(e.job_id) })),
    };
  }

  /** Failed jobs per queue. */
  async failedPerQueue(): Promise<Map<string, number>> {
    return new Map((await this.d.failedPerQueue(this.db)).map((r) => [r.queue, Number(r.n)]));
  }

  /** Completed and failed jobs of the last `windowMs`, per queue. */
  async finishedPerQueue(windowMs: number): Promise<{ queue: string; state: string; n: number }[]> {
    return (await this.d.finishedPerQueue(this.db, windowMs)).map((r) => ({ ...r, n: Number(r.n) }));
  }

  /** Completed and failed jobs of the last `windowMs` per minute since the epoch, and the clock's minute. */
  async finishedPerMinute(
    windowMs: number,
  ): Promise<{ now: number; rows: { minute: number; state: string; n: number }[] }> {
    const { now, rows } = await this.d.finishedPerMinute(this.db, windowMs);
    return { now, rows: rows.map((r) => ({ minute: Number(r.minute), state: r.state, n: Number(r.n) })) };
  }

  private summary(r: JobRow): JobSummary {
    const error = this.d.parseJson(r.error) as { message?: unknown } | null;
    return {
      id: String(r.id),
      name: r.name,
      queue: r.queue,
      state: r.state as JobState,
      priority: Number(r.priority),
      attempts: Number(r.attempts),
      maxAttempts: Number(r.max_attempts),
      createdAt: toDate(r.created_at)!,
      runAfter: toDate(r.run_after)!,
      startedAt: toDate(r.started_at),
      finishedAt: toDate(r.finished_at),
      pipelineId: toId(r.pipeline_id),
      errorMessage: error && typeof error.message === 'string' ? error.message : null,
    };
  }
}
