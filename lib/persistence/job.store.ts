import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Kysely } from 'kysely';
import { CompiledQuery } from 'kysely';
import { JobsConfigurationError } from '../errors/configuration.error.js';
import type { JobRecord } from '../interfaces/job-record.js';
import { TERMINAL_JOB_STATES, type JobState } from '../interfaces/job-state.js';
import { DateCache, insertedRecord, mapClaimedRow, mapJobRow, type ClaimedJob, type JobRow } from './row.mapper.js';
import { settleDependants } from './settle-dependants.js';
import { cancelJobs } from './statements/cancel-jobs.sql.js';
import { CLAIM_PLAN_SETTINGS, claimJobs, type ClaimFilter } from './statements/claim-jobs.sql.js';
import { FENCED_WRITE_SETTINGS, completeJobs, failJobs, releaseJobs, type CompletedJob, type FailedJob } from './statements/finish-jobs.sql.js';
import { insertJobs, selectByUniqueKeys, type InsertedRow, type NewJobRow } from './statements/insert-jobs.sql.js';
import { renewLeases, rescueExpired } from './statements/leases.sql.js';
import { selectJobs } from './statements/read-jobs.sql.js';
import { type Dialect, type Executor, inTransaction, run } from './sql.util.js';

/** What one consumer hands back in one batch; written in one transaction. */
export interface FinishBatch {
  completed: (CompletedJob & { apply?: (tx: Executor, dialect: Dialect) => Promise<void> })[];
  failed: FailedJob[];
  released: { id: string; attempt: number }[];
}

type Ended = { id: unknown; pipeline_id: unknown; state: string };

/**
 * The one door to the queue's tables. Every statement is raw, parameterised SQL from
 * `statements/`, run through MikroORM's own Kysely connection (real bound parameters, no ORM on the
 * hot path). Entities exist for users' queries and for schema generation.
 */
export class JobStore {
  private attached?: { orm: MikroORM; dialect: Dialect; db: Kysely<any> };
  private stepsUnblocked?: (tx: Executor) => Promise<void>;

  /**
   * Runs `fn` in a transaction that made pipeline steps pending (it finished their last dependency),
   * so consumers of other processes hear of them at once (the notifier's NOTIFY), not at their next poll.
   */
  onStepsUnblocked(fn: (tx: Executor) => Promise<void>): void {
    this.stepsUnblocked = fn;
  }

  /** Binds the store to the MikroORM instance that holds the queue (done once at module init). */
  attach(orm: MikroORM): this {
    this.attached = { orm, dialect: detectDialect(orm), db: (orm.em.fork() as any).getKysely() as Kysely<any> };
    return this;
  }

  private get a() {
    if (!this.attached) {
      throw new JobsConfigurationError('The job queue is not initialised yet: use JobQueue and JobConsumer after the Nest application has been created (app.init() or NestFactory.create*).');
    }
    return this.attached;
  }

  get orm(): MikroORM {
    return this.a.orm;
  }

  get dialect(): Dialect {
    return this.a.dialect;
  }

  get db(): Kysely<any> {
    return this.a.db;
  }

  /** Per-connection settings. SQLite: WAL so readers never block the writer, and a busy timeout so several processes share one file. */
  async prepare(): Promise<void> {
    if (this.dialect === 'sqlite') {
      await this.db.executeQuery(CompiledQuery.raw('PRAGMA journal_mode = WAL'));
      await this.db.executeQuery(CompiledQuery.raw('PRAGMA busy_timeout = 15000'));
      await this.db.executeQuery(CompiledQuery.raw('PRAGMA synchronous = NORMAL'));
    }
  }

  /** The executor bound to `em`'s transaction, or the pool. */
  executorFor(em?: EntityManager): Executor {
    return em ? ((em as any).getKysely() as Kysely<any>) : this.db;
  }

  /** `settings`: PostgreSQL `SET LOCAL`s for this transaction, sent with its BEGIN. */
  transaction<T>(fn: (tx: Executor) => Promise<T>, settings: readonly string[] = []): Promise<T> {
    return inTransaction(this.db, this.dialect, fn, settings);
  }

  /**
   * Inserts jobs; a job whose unique key is taken yields the job holding it. Result in input order.
   * `notifyChannel` (PostgreSQL): the same statement notifies it if a pending job was written.
   */
  async insert(ex: Executor, rows: NewJobRow[], notifyChannel?: string): Promise<JobRecord[]> {
    // Inserted rows come back in input order (ascending ids); rows left out hit a unique key held by
    // an unfinished job (maybe one earlier in this batch). Walk both lists side by side.
    const inserted = (await run<InsertedRow>(ex, insertJobs(this.dialect, rows, notifyChannel))).sort((a, b) => Number(a.id) - Number(b.id));
    const dates = new DateCache();
    if (inserted.length === rows.length) return rows.map((row, i) => insertedRecord(row, inserted[i]!, dates));
    const keys = rows.filter((r) => r.unique_key !== null).map((r) => r.unique_key!);
    const holders = (await run<JobRow>(ex, selectByUniqueKeys(this.dialect, keys))).map((r) => mapJobRow(r, this.dialect));
    const byKey = new Map(holders.map((j) => [j.uniqueKey, j]));
    let next = 0;
    return rows.map((row) => {
      const candidate = inserted[next];
      if (candidate && candidate.unique_key === row.unique_key && candidate.name === row.name) {
        next += 1;
        return insertedRecord(row, candidate, dates);
      }
      return byKey.get(row.unique_key)!;
    });
  }

  /** Claims due jobs, with what running them needs. */
  async claim(filter: ClaimFilter): Promise<ClaimedJob[]> {
    if (filter.limit <= 0 || filter.names.length === 0) return [];
    const q = claimJobs(this.dialect, filter);
    const rows = this.dialect === 'postgresql' && filter.guardPlan
      ? await inTransaction(this.db, this.dialect, (tx) => run<JobRow>(tx, q), CLAIM_PLAN_SETTINGS)
      : await run<JobRow>(this.db, q);
    const dates = new DateCache();
    return rows.map((r) => mapClaimedRow(r, this.dialect, dates)).sort(claimOrder);
  }

  /**
   * Completes, fails and releases a batch in one transaction, then, in the same transaction, lets
   * each finished pipeline step unblock (or end) its dependants. Returns the ids whose write took
   * effect: a job missing from it was no longer this consumer's (lease lost).
   */
  async finish(consumerId: string, batch: FinishBatch): Promise<Set<string>> {
    return this.transaction(async (tx) => {
      const ended: Ended[] = [];
      const applied = new Set<string>();
      if (batch.completed.length) {
        const rows = await run<Ended>(tx, completeJobs(this.dialect, consumerId, batch.completed));
        for (const r of rows) applied.add(String(r.id));
        // Children and workspace changes only from a step that really completed: one whose cancel
        // was requested meanwhile ended `cancelled`, and must not start anything.
        const completed = new Set(rows.filter((r) => r.state === 'completed').map((r) => String(r.id)));
        // Applied in pipeline order: every consumer then locks pipeline rows in the same order, so two
        // batches with steps of the same pipelines cannot deadlock on them.
        const pipelineOf = new Map(rows.map((r) => [String(r.id), Number(r.pipeline_id ?? 0)]));
        const toApply = batch.completed.filter((job) => completed.has(job.id) && job.apply);
        toApply.sort((a, b) => pipelineOf.get(a.id)! - pipelineOf.get(b.id)!);
        for (const job of toApply) await job.apply!(tx, this.dialect);
        ended.push(...rows);
      }
      if (batch.failed.length) {
        const rows = await run<Ended>(tx, failJobs(this.dialect, consumerId, batch.failed));
        for (const r of rows) applied.add(String(r.id));
        ended.push(...rows);
      }
      if (batch.released.length) {
        const rows = await run<Ended>(tx, releaseJobs(this.dialect, consumerId, batch.released));
        for (const r of rows) applied.add(String(r.id));
        ended.push(...rows);
      }
      await this.settle(tx, ended);
      return applied;
    }, FENCED_WRITE_SETTINGS);
  }

  /** Renews leases; returns the jobs still held, each with whether a cancel was requested. */
  async heartbeat(consumerId: string, leaseMs: number, jobs: { id: string; attempt: number }[]): Promise<Map<string, { cancelRequested: boolean }>> {
    if (jobs.length === 0) return new Map();
    const rows = await this.transaction(
      (tx) => run<{ id: unknown; cancel_requested: unknown }>(tx, renewLeases(this.dialect, consumerId, leaseMs, jobs)),
      FENCED_WRITE_SETTINGS,
    );
    return new Map(rows.map((r) => [String(r.id), { cancelRequested: r.cancel_requested === true || r.cancel_requested === 1 }]));
  }

  /** Rescues running jobs whose lease lapsed; returns them (id, name, new state). */
  async rescue(limit = 500): Promise<{ id: string; name: string; state: JobState }[]> {
    return this.transaction(async (tx) => {
      const rows = await run<Ended & { name: string }>(tx, rescueExpired(this.dialect, limit));
      await this.settle(tx, rows);
      return rows.map((r) => ({ id: String(r.id), name: r.name, state: r.state as JobState }));
    });
  }

  async cancel(ids: string[]): Promise<{ id: string; state: JobState }[]> {
    if (ids.length === 0) return [];
    return this.transaction(async (tx) => {
      const rows = await run<Ended>(tx, cancelJobs(this.dialect, ids));
      await this.settle(tx, rows);
      return rows.map((r) => ({ id: String(r.id), state: r.state as JobState }));
    });
  }

  async get(ids: string[], ex: Executor = this.db): Promise<JobRecord[]> {
    if (ids.length === 0) return [];
    return (await run<JobRow>(ex, selectJobs(this.dialect, ids))).map((r) => mapJobRow(r, this.dialect));
  }

  async query<R = Record<string, unknown>>(q: { sql: string; params: unknown[] }, ex: Executor = this.db) {
    return run<R>(ex, q);
  }

  private async settle(tx: Executor, rows: Ended[]) {
    const ended = rows.filter((r) => r.pipeline_id !== null && TERMINAL_JOB_STATES.includes(r.state as JobState));
    if (ended.length === 0) return;
    const unblocked = await settleDependants(tx, this.dialect, ended.map((r) => String(r.id)), ended.every((r) => r.state === 'completed'));
    if (unblocked > 0) await this.stepsUnblocked?.(tx);
  }
}

/** The claim statement's order: priority (higher first), then run_after, then id. */
function claimOrder(a: ClaimedJob, b: ClaimedJob) {
  return b.priority - a.priority || a.runAfter.getTime() - b.runAfter.getTime() || Number(a.id) - Number(b.id);
}

function detectDialect(orm: MikroORM): Dialect {
  const platform = orm.em.getPlatform().constructor.name.toLowerCase();
  if (platform.includes('postgre')) return 'postgresql';
  if (platform.includes('sqlite')) return 'sqlite';
  throw new JobsConfigurationError(
    `nestjs-job-pipelines supports PostgreSQL and SQLite; this MikroORM uses ${orm.em.getPlatform().constructor.name}. ` +
      'Give the queue its own PostgreSQL or SQLite database with JobsModule.forRoot({ contextName }).',
  );
}
