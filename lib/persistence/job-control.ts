import type { Kysely } from 'kysely';
import { InvalidJobStateError } from '../errors/invalid-job-state.error.js';
import { JobNotFoundError } from '../errors/job-not-found.error.js';
import { JobState } from '../interfaces/job-state.js';
import { planRetry, type ReopenedStep } from '../pipeline/dependency.policy.js';
import type { JobRow, JobsDialect } from './jobs-dialect.js';
import type { FinishedNotice } from './finish-notices.js';
import { toId } from './row.mapper.js';
import type { Executor } from './sql.util.js';
import type { EndedRow, ReopenedRow } from './store.types.js';

/** What acting on jobs by hand needs from the store. */
export interface JobControlContext {
  dialect: JobsDialect;
  db: Kysely<any>;
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /** Lets the dependants of jobs that just ended follow (the store's `settle`). */
  settle(tx: Executor, rows: EndedRow[]): Promise<unknown>;
  notifies: boolean;
  /** Tells other processes what a committed change did (the monitor's `announceChanges`). */
  announce(notices: FinishedNotice[]): void;
}

/** Which finished jobs `retry()` takes. */
const RETRYABLE: readonly string[] = [JobState.Failed, JobState.Cancelled];

/** The error a discarded job keeps: it never ran, and this says why. */
const DISCARDED = JSON.stringify({
  name: 'JobDiscarded',
  message: 'Discarded by hand (JobQueue.discard) before it ran',
});

/**
 * Retry and discard, each in one transaction whose writes are conditional on the states read: a job
 * that moved on meanwhile is not written, and the call throws instead. Pipeline rules (what a retry
 * re-opens) are `planRetry`'s, in `pipeline/dependency.policy.ts`.
 */
export class JobControl {
  constructor(private readonly c: JobControlContext) {}

  /** Unstarted jobs end cancelled at once; running ones are asked to stop (their consumer's next heartbeat). */
  async cancel(ids: string[]): Promise<{ id: string; state: JobState }[]> {
    if (ids.length === 0) return [];
    const rows = await this.c.transaction(async (tx) => {
      const rows = await this.c.dialect.cancel(tx, ids);
      await this.c.settle(tx, rows);
      return rows;
    });
    this.c.announce(cancelledNotices(rows));
    return rows.map((r) => ({ id: String(r.id), state: r.state as JobState }));
  }

  /**
   * Cancels every unfinished step of a pipeline, in rounds until none is left, which also catches
   * children a step spawned while the cancel was on its way; dependants settle in each round. The
   * steps it ended are announced to other processes after each round, as `cancel` does.
   */
  async cancelPipeline(id: string): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const rows = await this.c.transaction(async (tx) => {
        const changed = await this.c.dialect.cancelPipelineSteps(tx, id);
        await this.c.settle(
          tx,
          changed.filter((r) => r.state === 'cancelled'),
        );
        return changed;
      });
      if (rows.length === 0) break;
      this.c.announce(cancelledNotices(rows));
    }
  }

  /** Pauses or resumes a queue for every consumer; a resume wakes them (this process's at once, after the commit). */
  setQueuePaused(queue: string, paused: boolean): Promise<void> {
    return this.c.transaction(async (tx) => {
      await this.c.dialect.setQueuePaused(tx, queue, paused);
      if (!paused && this.c.notifies) await this.c.dialect.notify(tx);
    });
  }

  pausedQueues(): Promise<string[]> {
    return this.c.dialect.pausedQueues(this.c.db);
  }

  /** Sets a failed or cancelled job going again (with the steps of its pipeline that ended because of it). */
  async retry(id: string): Promise<void> {
    const notices = await this.c.transaction((tx) => this.retryOn(tx, id, 'retried by hand (JobQueue.retry)'));
    this.c.announce(notices);
  }

  /**
   * Retries every failed job of `name` and/or `queue` that ran, `batchSize` at a time in id order
   * (a job failing again meanwhile is not retried twice). Returns how many were set going; `onBatch`
   * hears how many each batch set going.
   */
  async retryFailed(
    filter: { name?: string; queue?: string },
    batchSize: number,
    onBatch?: (retried: number) => void,
  ): Promise<number> {
    const d = this.c.dialect;
    let afterId = '0';
    let count = 0;
    for (;;) {
      const found = await d.failedJobs(this.c.db, { ...filter, afterId, limit: batchSize });
      if (found.length === 0) return count;
      const before = count;
      afterId = String(found[found.length - 1]!.id);
      const plain = found.filter((r) => r.pipeline_id === null).map((r) => String(r.id));
      if (plain.length) {
        const reason = `retried by hand (JobQueue.retry(${JSON.stringify(filter)}))`;
        const reopened = await this.c.transaction(async (tx) => {
          const jobs = await d.jobs(tx, plain);
          const rows = await d.reopen(
            tx,
            jobs.map((j) =>
              this.reopenedRow(j, { id: String(j.id), from: JobState.Failed, state: 'pending', blocking: 0 }, reason),
            ),
          );
          if (rows.length && this.c.notifies) await d.notify(tx);
          return rows;
        });
        count += reopened.length;
        this.c.announce(reopened.map((r) => ({ id: String(r.id), outcome: 'retried', pipelineId: null })));
      }
      for (const r of found.filter((r) => r.pipeline_id !== null)) {
        try {
          await this.retry(String(r.id));
          count += 1;
        } catch (err) {
          if (!(err instanceof InvalidJobStateError)) throw err; // moved on meanwhile, or its pipeline says no
        }
      }
      onBatch?.(count - before);
      if (found.length < batchSize) return count;
    }
  }

  /** How many failed jobs `retryFailed(filter)` would take at most (its progress total). */
  countRetryable(filter: { name?: string; queue?: string }): Promise<number> {
    return this.c.dialect.countJobs(this.c.db, { states: [JobState.Failed], ran: true, ...filter });
  }

  /** Ends a pending or blocked job `cancelled` without running it; its dependants follow their policy. */
  async discard(id: string): Promise<void> {
    const d = this.c.dialect;
    const ended = await this.c.transaction(async (tx) => {
      const rows = await d.discard(tx, id, DISCARDED);
      if (rows.length === 0) {
        const [job] = await d.jobs(tx, [id]);
        if (!job) throw new JobNotFoundError(`No job has id ${id}; it may have been purged.`);
        throw new InvalidJobStateError(
          `Job ${id} ('${job.name}') is ${job.state}: discard() ends only a job that has not started (pending or blocked). Cancel a running job with cancel().`,
        );
      }
      await this.c.settle(tx, rows);
      return rows;
    });
    this.c.announce(cancelledNotices(ended));
  }

  /** Re-opens job `id` (and what its pipeline re-opens with it); returns what to tell other processes. */
  private async retryOn(tx: Executor, id: string, reason: string): Promise<FinishedNotice[]> {
    const d = this.c.dialect;
    const [job] = await d.jobs(tx, [id]);
    if (!job) throw new JobNotFoundError(`No job has id ${id}; it may have been purged.`);
    const refuse = (why: string) => new InvalidJobStateError(`Job ${id} ('${job.name}') cannot be retried: ${why}.`);
    if (!RETRYABLE.includes(job.state)) throw refuse(`it is ${job.state}, and retry() takes a failed or cancelled job`);
    let reopen: ReopenedStep[] = [{ id, from: job.state, state: 'pending', blocking: 0 }];
    let addBlocking: { id: string; n: number }[] = [];
    if (job.pipeline_id !== null) {
      const pipelineId = String(job.pipeline_id);
      const steps = (await d.lockPipelineSteps(tx, pipelineId)).map((r) => ({
        id: String(r.id),
        state: r.state as string,
        attempts: Number(r.attempts),
        errorName: (d.parseJson(r.error)?.name as string | undefined) ?? null,
      }));
      const edges = (await d.pipelineEdges(tx, pipelineId)).map((e) => ({
        jobId: String(e.job_id),
        dependsOnId: String(e.depends_on_id),
        policy: e.policy,
      }));
      const plan = planRetry(id, steps, edges);
      if ('refused' in plan) throw refuse(plan.refused);
      ({ reopen, addBlocking } = plan);
    }
    const byId = new Map(
      (
        await d.jobs(
          tx,
          reopen.map((r) => r.id),
        )
      ).map((r) => [String(r.id), r]),
    );
    const rows = reopen.map((r) =>
      this.reopenedRow(byId.get(r.id)!, r, r.id === id ? reason : `job ${id}, a dependency, was ${reason}`),
    );
    const written = await d.reopen(tx, rows);
    if (written.length !== rows.length) throw refuse('it changed while the retry was being written; read it again');
    if (addBlocking.length) await d.addBlocking(tx, addBlocking);
    if (this.c.notifies && written.some((r) => r.state === JobState.Pending)) await d.notify(tx);
    const pipelineId = toId(job.pipeline_id);
    return written.map((r) => ({ id: String(r.id), outcome: 'retried', pipelineId }));
  }

  private reopenedRow(job: JobRow, r: Omit<ReopenedRow, 'log'>, reason: string): ReopenedRow {
    return { ...r, log: JSON.stringify({ attempt: Number(job.attempts), outcome: 'retried', reason }) };
  }
}

/** The jobs a cancel or discard ended at once (not a running job, which its consumer's finish tells). */
function cancelledNotices(rows: readonly EndedRow[]): FinishedNotice[] {
  return rows
    .filter((r) => r.state === JobState.Cancelled)
    .map((r) => ({ id: String(r.id), outcome: 'cancelled', pipelineId: toId(r.pipeline_id) }));
}
