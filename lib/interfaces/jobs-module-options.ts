import type { BackoffOptions } from './backoff-options.js';
import type { JobRateLimit } from './job-options.js';
import type { QueueLimit } from '../persistence/store.types.js';

/** Options of `JobsModule.forRoot()` / `forRootAsync()`. */
export interface JobsModuleOptions {
  /**
   * The `contextName` of the `MikroOrmModule` whose database holds the queue, so the queue can live
   * in a dedicated database. @default the application's default MikroORM
   */
  contextName?: string;
  /** Default attempts of a job whose `@Job()` and enqueue call say nothing. @default 3 */
  defaultMaxAttempts?: number;
  /** Default retry delays. @default { baseMs: 1000, maxMs: 3600000, jitter: true } */
  defaultBackoff?: BackoffOptions;
  /** Largest serialised input, output or workspace accepted. @default 1048576 (1 MiB) */
  maxPayloadBytes?: number;
  /** Most jobs accepted by one `enqueueMany()` or pipeline. @default 10000 */
  maxBatchSize?: number;
  /** How long a consumer holds a running job without a heartbeat before others rescue it. @default 10000 (ms) */
  leaseMs?: number;
  /** How often a consumer renews its leases, sees cancels and rescues lapsed jobs; at most half of `leaseMs`. @default 1000, or a third of `leaseMs` when that is less (ms) */
  heartbeatMs?: number;
  /**
   * PostgreSQL only: wake consumers with LISTEN/NOTIFY when jobs are enqueued. Set false behind
   * PgBouncer in transaction mode; consumers then poll. @default true
   */
  notify?: boolean;
  /**
   * PostgreSQL only: run the hot statements (an idle consumer's claim, a single enqueue) as named
   * prepared statements, parsed and planned once per connection. Set false behind a pooler that
   * cannot carry them (PgBouncer in transaction mode before 1.21, or without `max_prepared_statements`).
   * @default true
   */
  preparedStatements?: boolean;
  /**
   * PostgreSQL only: while a backlog lasts, a consumer process claims on one connection of its own
   * (besides the pool) whose session holds the claim's planner settings, so a claim is one round
   * trip instead of three. Set false behind a pooler in transaction mode (PgBouncer's
   * `pool_mode = transaction`), where a session's settings would stay on a server connection that
   * other clients then get. @default true
   */
  claimSession?: boolean;
  /**
   * Threads of the worker-thread pool that runs `@Job({ thread })` jobs, per consumer process. The
   * pool is created at the first thread job and destroyed at shutdown. @default os.availableParallelism()
   */
  threadPoolSize?: number;
  /**
   * How much lower than the consumer's own the CPU priority of those threads is, as a Linux nice
   * increment (0-19; the thread's nice value stops at 19). The consumer's event loop (heartbeats,
   * claims, results) and the database then get the CPU first when CPU-bound jobs fill every core.
   * Linux only; elsewhere the threads keep the process's priority. @default 10
   */
  threadNice?: number;
  /**
   * Deletes finished jobs in the background: every consumer takes part, one at a time across
   * processes, in small batches on a slow timer (never on the claim or finish path). A finished
   * pipeline goes whole (row, steps, edges) once each step is past the rule of its state.
   * `false` keeps everything (purge by hand with `JobQueue.purge()`).
   * @default { completed: { maxAgeMs: 86400000 }, failed: { maxAgeMs: 604800000 }, cancelled: { maxAgeMs: 604800000 } } (1 day, 7 days, 7 days)
   */
  retention?: false | RetentionOptions;
  /**
   * Limits per queue, over every job name in it, across every consumer process (the claim counts in
   * the database), e.g. `{ mail: { rateLimit: { max: 100, perMs: 60000 }, concurrency: 5 } }`.
   * A job held back stays pending and does not hold up jobs of other queues. A job name's own
   * `@Job()` limits apply too. @default none (no queue is limited)
   */
  queues?: Record<string, QueueLimitOptions>;
}

/** Module option `queues`: the limits of one queue; at least one. */
export interface QueueLimitOptions {
  /** At most `max` starts of this queue's jobs in any `perMs` window; a retry is a new start. @default none */
  rateLimit?: JobRateLimit;
  /**
   * At most this many of this queue's jobs running at once, in all processes together (a consumer's
   * own `concurrency` caps its process only); an integer >= 1. A claimed job counts from its claim
   * until it ends; a job of a killed consumer holds its place until its lease lapses. @default none
   */
  concurrency?: number;
}

/** What `retention` keeps of the finished jobs in one state; a job goes once it is past either limit. */
export interface RetentionRule {
  /** Delete jobs finished longer ago than this (ms); an integer >= 0. @default none */
  maxAgeMs?: number;
  /** Keep at most this many of the newest plain jobs in this state (pipeline steps are not counted); an integer >= 1. @default none */
  maxCount?: number;
}

/** Module option `retention`. A rule given for a state replaces that state's default; `false` keeps the state's jobs. */
export interface RetentionOptions {
  /** @default { maxAgeMs: 86400000 } (1 day) */
  completed?: RetentionRule | false;
  /** @default { maxAgeMs: 604800000 } (7 days) */
  failed?: RetentionRule | false;
  /** Also the rule of skipped pipeline steps. @default { maxAgeMs: 604800000 } (7 days) */
  cancelled?: RetentionRule | false;
  /** How often a consumer prunes; a round deletes in batches until nothing is left to delete. @default 60000 (ms) */
  intervalMs?: number;
  /** Jobs (or pipelines) deleted per batch, each batch its own short transaction. @default 500 */
  batchSize?: number;
}

/** `retention` after defaults: one rule per state it prunes (`skipped` follows `cancelled`). */
export interface ResolvedRetention {
  rules: { state: string; olderThanMs?: number; keepLast?: number }[];
  intervalMs: number;
  batchSize: number;
}

/** The options after defaults were applied and validation passed. */
export type ResolvedJobsModuleOptions = Required<Omit<JobsModuleOptions, 'contextName' | 'retention' | 'queues'>> & {
  contextName?: string;
  defaultBackoff: Required<BackoffOptions>;
  retention: ResolvedRetention | false;
  /** Module option `queues`, checked: one entry per limited queue. */
  queueLimits: QueueLimit[];
};
