import type { JobEventsBus } from './job-events.bus.js';

export interface WaitOptions {
  /** Give up after this long with `WaitTimeoutError`. @default 60000 (ms) */
  timeoutMs?: number;
  /**
   * How often to look. A finish in this process wakes the wait at once, and so does one in another
   * process where the database carries notifications (PostgreSQL): there this is only a safety net.
   * @default 100 (ms), or 2000 where other processes' finishes are heard
   */
  pollIntervalMs?: number;
}

/** The safety-net poll of a wait that hears other processes' finishes (a missed notification costs at most this). */
export const HEARD_WAIT_POLL_MS = 2_000;

/**
 * Reads until `ended` says so, woken by finishes of `key` (`job:<id>`, `pipeline:<id>`) and
 * otherwise every `pollIntervalMs`; throws `timedOut(last)` after `timeoutMs`.
 */
export async function waitForEnd<T>(
  events: JobEventsBus,
  key: string,
  options: WaitOptions,
  read: () => Promise<T>,
  ended: (value: T) => boolean,
  timedOut: (last: T, timeoutMs: number) => Error,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  // Asked at each pause: a LISTEN that could not be opened (or opens later) changes the answer.
  const pollMs = () => options.pollIntervalMs ?? (events.hearsOtherProcesses ? HEARD_WAIT_POLL_MS : 100);
  const deadline = Date.now() + timeoutMs;
  // Subscribed before the first read: a finish written between the read and the sleep still wakes it.
  const waiter = events.waiter(key);
  try {
    for (;;) {
      const value = await read();
      if (ended(value)) return value;
      const left = deadline - Date.now();
      if (left < 0) throw timedOut(value, timeoutMs);
      await waiter.next(Math.min(pollMs(), left + 1));
    }
  } finally {
    waiter.close();
  }
}
