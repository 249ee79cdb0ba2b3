/** The shapes `JobQueue` answers and takes besides jobs. */

/** One queue's unfinished jobs, as `queueDepths()` counts them. */
export interface QueueDepth {
  /** `due` + `scheduled`. */
  pending: number;
  /** Pending and due now: what consumers can claim. */
  due: number;
  /** Pending with a `runAfter` still ahead (a retry's backoff, a snooze, a scheduled job). */
  scheduled: number;
  running: number;
  /** Pipeline steps waiting for their dependencies. */
  blocked: number;
  /** Set on a paused queue (`pauseQueue`). */
  paused?: true;
}

export interface WaitOptions {
  /** Give up after this long with `WaitTimeoutError`. @default 60000 (ms) */
  timeoutMs?: number;
  /** How often to look. @default 100 (ms) */
  pollIntervalMs?: number;
}
