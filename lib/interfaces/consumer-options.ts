/** Options of `JobConsumer.run()`. */
export interface ConsumerOptions {
  /** Jobs run at once by this consumer (async handlers in one process). @default 10 */
  concurrency?: number;
  /** Only these job names are claimed. @default all names with a handler */
  include?: string[];
  /** These job names are never claimed (e.g. GPU jobs on machines without one). @default none */
  exclude?: string[];
  /** Only jobs of these queues are claimed. @default every queue */
  queues?: string[];
  /** How often to look for due jobs when nothing wakes the consumer. @default 1000 (ms) */
  pollIntervalMs?: number;
  /** Start at most this many jobs, then stop once they have ended (completed, failed or handed back). @default no limit */
  maxJobs?: number;
  /** Stop claiming after about this long; running jobs still finish. @default no limit (ms) */
  timeoutMs?: number;
  /** Stop when no job is due and none is running. @default false */
  untilEmpty?: boolean;
  /** Running jobs get this long to finish after `stop()` or a signal, then they are aborted and handed back. @default 30000 (ms) */
  shutdownGraceMs?: number;
  /** Keep the next occurrence of each `cron` job this consumer handles enqueued, and enqueue the occurrences of run-time schedules (`JobQueue.schedule`). @default true */
  schedule?: boolean;
  /** Listen for `SIGINT`/`SIGTERM` and stop gracefully (a second signal stops at once). @default true when run from `consumer.ts` helpers, false for `run()` */
  handleSignals?: boolean;
}
