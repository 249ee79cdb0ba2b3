import type { BackoffOptions } from './backoff-options.js';

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
   * Threads of the worker-thread pool that runs `@Job({ thread })` jobs, per consumer process. The
   * pool is created at the first thread job and destroyed at shutdown. @default os.availableParallelism()
   */
  threadPoolSize?: number;
}

/** The options after defaults were applied and validation passed. */
export type ResolvedJobsModuleOptions = Required<Omit<JobsModuleOptions, 'contextName'>> & {
  contextName?: string;
  defaultBackoff: Required<BackoffOptions>;
};
