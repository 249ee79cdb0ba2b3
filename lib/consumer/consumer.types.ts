import type { BackoffOptions } from '../interfaces/backoff-options.js';
import type { JobLimit, QueueLimit } from '../persistence/store.types.js';

/** Explicit states of a consumer; `stopping` means: no new claims, running jobs finish. */
export const ConsumerState = Object.freeze({
  Created: 'created',
  Running: 'running',
  Stopping: 'stopping',
  Stopped: 'stopped',
} as const);
export type ConsumerState = (typeof ConsumerState)[keyof typeof ConsumerState];

export interface LoopLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
}

export interface LoopSettings {
  concurrency: number;
  names: string[];
  /** Limits of the names that have some (`@Job()` rateLimit / concurrency). */
  limits?: JobLimit[];
  /** Limits of queues (module option `queues`). */
  queueLimits?: QueueLimit[];
  queues?: string[];
  pollIntervalMs: number;
  /**
   * Where no notification wakes this consumer when another process writes jobs (SQLite, MariaDB,
   * `notify: false`): after a claim that found jobs, look again this soon, then twice as late after
   * each empty claim, up to `pollIntervalMs`. Fast while jobs flow, cheap when idle. Unset: always
   * `pollIntervalMs`.
   */
  busyPollMs?: number;
  maxJobs?: number;
  timeoutMs?: number;
  untilEmpty: boolean;
  shutdownGraceMs: number;
  leaseMs: number;
  heartbeatMs: number;
  defaultBackoff: Required<BackoffOptions>;
}

/** What a consumer did, returned when it stops. */
export interface ConsumerSummary {
  consumerId: string;
  /** Attempts that ended (completed or failed), the unit of `maxJobs`. */
  processed: number;
  completed: number;
  failed: number;
  /** Jobs handed back at shutdown, lost leases and cancelled runs. */
  aborted: number;
  /** Attempts the handler snoozed (not counted in `processed`: they do not use an attempt up). */
  snoozed: number;
}
