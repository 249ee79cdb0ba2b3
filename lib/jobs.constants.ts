/** Metadata key that `@Job()` writes on a handler method. */
export const JOB_HANDLER_METADATA = 'jobs:handler';
/** Token of the validated module options. */
export const JOBS_MODULE_OPTIONS = Symbol('JOBS_MODULE_OPTIONS');

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_MAX_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_BASE_MS = 1_000;
export const DEFAULT_BACKOFF_MAX_MS = 60 * 60 * 1_000;
export const DEFAULT_POLL_INTERVAL_MS = 1_000;
/**
 * Where no notification crosses processes (SQLite, MariaDB, `notify: false`), a consumer whose last
 * claim found jobs looks again after this long, doubling up to its poll interval while claims come
 * back empty: other processes' jobs are picked up within tens of ms while work flows.
 */
export const BUSY_POLL_MS = 50;
export const DEFAULT_CONCURRENCY = 10;
/**
 * A dead consumer's jobs come back after about a lease; a cancel reaches a running handler at the
 * next heartbeat (within a second or two, as the README promises under Reliability). A heartbeat is one indexed UPDATE per
 * consumer per second, whatever its concurrency.
 */
export const DEFAULT_LEASE_MS = 10_000;
export const DEFAULT_HEARTBEAT_MS = 1_000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
/** Retention: completed jobs are kept a day, failed and cancelled ones a week (time to look at them). */
export const DEFAULT_RETENTION = Object.freeze({ completed: 86_400_000, failed: 604_800_000, cancelled: 604_800_000 });
export const DEFAULT_RETENTION_INTERVAL_MS = 60_000;
/**
 * Small enough that a batch's transaction is short next to the consumers' claims and finishes
 * (SQLite: the write lock), large enough to keep up with a fast drain (bench retention-drain).
 */
export const DEFAULT_RETENTION_BATCH_SIZE = 500;

/** Limits against abuse; each can be raised in the module options. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1_048_576;
export const MAX_JOB_NAME_LENGTH = 128;
export const MAX_QUEUE_NAME_LENGTH = 64;
export const DEFAULT_MAX_BATCH_SIZE = 10_000;
/** Priorities are 32-bit signed integers so every database stores them the same way. */
export const MAX_PRIORITY = 2_147_483_647;
export const MIN_PRIORITY = -2_147_483_648;
/** Metadata key of the lifecycle hook decorators (@BeforeJob, @AfterJob, @OnJobFailed, @OnJobEnqueued). */
export const JOB_HOOK_METADATA = 'jobs:hook';

/**
 * Nice increment of the worker threads that run thread jobs (JobsModule `threadNice`): CPU-bound
 * jobs filling every core then yield to the consumer's event loop and the database.
 */
export const DEFAULT_THREAD_NICE = 10;
