import { TransactionContext, type EntityManager, type MikroORM } from '@mikro-orm/core';
import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import type { JobRecord } from '../interfaces/job-record.js';
import type { Json } from '../interfaces/job-types.js';
import type { Executor } from './sql.util.js';
import type { JobsDialect } from './jobs-dialect.js';
import type { InsertedJobs, NewJobRow } from './store.types.js';
import { toDate } from './row.mapper.js';

/** A pipeline as just written. */
export interface WrittenPipeline {
  id: string;
  name: string | null;
  createdAt: Date;
  workspace: Record<string, Json>;
}

/** An edge between two rows of one insert, by their positions in it. */
export interface PlannedEdge {
  job: number;
  dependsOn: number;
  policy: string;
}

/**
 * The writes of one enqueue, on one executor: the store's own transaction, the user's (`em`), or
 * the pool for a single statement. Handed to the callback of `JobStore.write`.
 */
export class JobWriter {
  /** The jobs this writer's inserts wrote, by id (the latest record of each). */
  private readonly writtenById = new Map<string, JobRecord>();

  constructor(
    private readonly ex: Executor,
    private readonly d: JobsDialect,
    private readonly insertRows: (ex: Executor, rows: NewJobRow[], notify: boolean) => Promise<InsertedJobs>,
  ) {}

  /**
   * The jobs its inserts really wrote, in the order written: what is counted and announced as
   * enqueued. Not a job that already held a row's unique key, nor a waiting one a `replace` updated.
   */
  get written(): JobRecord[] {
    return [...this.writtenById.values()];
  }

  /** What the writes run on, for a write of the store's beside the jobs (a schedule's advance). */
  get executor(): Executor {
    return this.ex;
  }

  /**
   * Inserts jobs; a job whose unique key is taken yields the job holding it. Result in input order.
   * `notify: false` for the later statements of one transaction: its first woke the consumers.
   */
  insert(rows: NewJobRow[], notify = true): Promise<JobRecord[]> {
    return this.insertOn(this.ex, rows, notify);
  }

  private async insertOn(ex: Executor, rows: NewJobRow[], notify = true): Promise<JobRecord[]> {
    const { jobs, written } = await this.insertRows(ex, rows, notify);
    for (const job of jobs) if (written.has(job.id)) this.writtenById.set(job.id, job);
    return jobs;
  }

  /** Writes a pipeline row, its steps (`rows`, in order) and the edges between them. */
  async insertPipeline(name: string | null, workspace: string, rows: NewJobRow[], edges: readonly PlannedEdge[]) {
    const created = await this.d.insertPipeline(this.ex, name, workspace);
    const pipeline: WrittenPipeline = {
      id: String(created.id),
      name: (created.name as string | null) ?? null,
      createdAt: toDate(created.created_at)!,
      workspace: this.d.parseJson(created.workspace) ?? {},
    };
    for (const r of rows) r.pipeline_id = pipeline.id;
    const jobs = await this.insertOn(this.ex, rows);
    const written = edges.map((e) => ({
      job_id: jobs[e.job]!.id,
      depends_on_id: jobs[e.dependsOn]!.id,
      policy: e.policy,
      via_id: null,
    }));
    if (written.length) await this.d.insertEdges(this.ex, written);
    return { pipeline, jobs, edges: written.map((e) => ({ dependsOnId: e.depends_on_id, policy: e.policy })) };
  }
}

/** Why writing with `em` (or, without it, beside the user's open transaction) cannot work; undefined when it can. */
export function refuseWriteTarget(orm: MikroORM, d: JobsDialect, em: EntityManager | undefined): Error | undefined {
  // An EntityManager of another MikroORM (the app's database while the queue has its own, see
  // `contextName`) would write the job into a database that has no queue: refuse it before writing.
  if (em && em.getDriver() !== orm.em.getDriver()) {
    return new InvalidJobOptionsError(
      "Option 'em' belongs to another MikroORM than the queue's database (JobsModule option 'contextName'). A job can only be written in a transaction of the queue's own database: pass an EntityManager of that MikroORM, or leave 'em' out.",
    );
  }
  // One connection (SQLite), held by an open em.transactional(): a write of our own beside it,
  // from inside that transaction, would wait for it forever. Say so instead of hanging.
  if (!em && d.oneConnection) {
    const open = TransactionContext.getEntityManager(orm.em.name);
    if (open?.isInTransaction() && open.getDriver() === orm.em.getDriver()) {
      return new InvalidJobOptionsError(
        "On SQLite, a job enqueued inside em.transactional() must be written in that transaction: pass { em } (the transaction's EntityManager). SQLite has one connection, which the open transaction holds; a separate write would wait for it forever.",
      );
    }
  }
  return undefined;
}
