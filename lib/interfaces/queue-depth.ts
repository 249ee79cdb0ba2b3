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
