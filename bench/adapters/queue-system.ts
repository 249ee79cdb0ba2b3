/**
 * One queue library under test. Every method gets a fresh, empty PostgreSQL database and returns
 * what it measured; it sets up and tears down everything it started.
 */
export type SettingsMode = 'tuned' | 'default';

export interface QueueSystem {
  readonly id: 'ours' | 'graphile-worker' | 'pg-boss';
  /** The settings used in each mode, printed and written to the JSON so others can check them. */
  readonly settings: Record<SettingsMode, Record<string, unknown>>;
  /** Milliseconds to store `n` no-op jobs (the library's bulk path). */
  bulkEnqueue(url: string, n: number): Promise<number>;
  /** Milliseconds for one worker process to run `n` stored no-op jobs until the database has them all done. */
  drain(url: string, n: number, mode: SettingsMode): Promise<number>;
  /** Milliseconds to run stored jobs sleeping `durations` ms each at `concurrency`. */
  sleepRun(url: string, durations: readonly number[], concurrency: number): Promise<number>;
  /** Enqueue-to-start latency, one sample per job, each enqueued while the worker is idle (ms). */
  latency(url: string, samples: number): Promise<number[]>;
}
