import { JobsError } from './jobs.error.js';
import { InvalidJobOptionsError } from './invalid-options.error.js';

/** The longest snooze: a year. */
const MAX_SNOOZE_MS = 365 * 24 * 3600_000;

/**
 * Not a failure: thrown by `ctx.snooze(delayMs)` (or by a handler or a service it calls, `throw new
 * SnoozeJob(60_000)`), it ends the attempt without counting it, and the job runs again `delayMs`
 * after the database's clock. A bad delay throws `InvalidJobOptionsError` instead, which fails the
 * attempt like any error.
 */
export class SnoozeJob extends JobsError {
  override readonly code = 'JOBS_SNOOZE';

  constructor(readonly delayMs: number) {
    if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_SNOOZE_MS) {
      throw new InvalidJobOptionsError(
        `A snooze takes a delay in ms, an integer from 0 to ${MAX_SNOOZE_MS} (a year); got ${String(delayMs)}.`,
      );
    }
    super(`The handler snoozed the job for ${delayMs} ms`);
  }
}
