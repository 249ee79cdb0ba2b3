import { InvalidScheduleError } from '../errors/invalid-schedule.error.js';
import { describe } from '../validation/options.validator.js';

/** The longest schedule key (`queue_schedule.schedule_key`). */
export const MAX_SCHEDULE_KEY_LENGTH = 255;

export function assertScheduleKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_SCHEDULE_KEY_LENGTH) {
    throw new InvalidScheduleError(
      `A schedule key must be a string of 1 to ${MAX_SCHEDULE_KEY_LENGTH} characters (your name for the schedule, e.g. 'report:42'); got ${describe(key)}.`,
    );
  }
}

/** The zone, or undefined for UTC; `InvalidScheduleError` for one the runtime does not know. */
export function assertTimeZone(timeZone: unknown): string | undefined {
  if (timeZone === undefined) return undefined;
  if (typeof timeZone === 'string' && timeZone.length > 0 && timeZone.length <= 64) {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
      return timeZone;
    } catch {
      // reported below
    }
  }
  throw new InvalidScheduleError(
    `Option 'timeZone' must be an IANA time zone name such as 'Europe/Paris' or 'Asia/Kolkata'; got ${describe(timeZone)}.`,
  );
}
