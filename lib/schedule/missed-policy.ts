import { InvalidScheduleError } from '../errors/invalid-schedule.error.js';
import { describe } from '../validation/options.validator.js';

/**
 * What a schedule does with occurrences that passed while no consumer ran (an occurrence is missed
 * when it is found more than `SCHEDULE_GRACE_MS` late, or a later one is already due):
 * - `'skip'`: none of them; the schedule goes on from its next future occurrence.
 * - `'once'`: one run for all of them (the latest), at once; then the future ones.
 * - `{ catchUp: n }`: the last `n` of them (at most `MAX_CATCH_UP`), oldest first; then the future ones.
 */
export type MissedPolicy = 'skip' | 'once' | { catchUp: number };

/** What `schedule()` uses when `missed` is not given: the same as a `@Job({ cron })` job, whose next occurrence waits enqueued. */
export const DEFAULT_MISSED_POLICY: MissedPolicy = 'once';

/** The most occurrences `{ catchUp }` brings back. */
export const MAX_CATCH_UP = 1000;

/**
 * How late an occurrence may be found and still run as due rather than as missed: a consumer wakes
 * at each occurrence, and looks again every `pollIntervalMs` for schedules other processes changed.
 */
export const SCHEDULE_GRACE_MS = 60_000;

/** How many missed occurrences a policy runs. */
export function missedRuns(policy: MissedPolicy): number {
  return policy === 'skip' ? 0 : policy === 'once' ? 1 : policy.catchUp;
}

/** The policy as stored (`skip`, `once`, `catchUp:<n>`). */
export function formatMissedPolicy(policy: MissedPolicy): string {
  return typeof policy === 'string' ? policy : `catchUp:${policy.catchUp}`;
}

/** The stored form read back (an unreadable value falls back to the default rather than stopping the schedule). */
export function parseMissedPolicy(stored: string): MissedPolicy {
  if (stored === 'skip' || stored === 'once') return stored;
  const n = /^catchUp:(\d+)$/.exec(stored);
  return n ? { catchUp: Number(n[1]) } : DEFAULT_MISSED_POLICY;
}

/** Throws `InvalidScheduleError` for anything but a `MissedPolicy`. */
export function assertMissedPolicy(value: unknown): MissedPolicy {
  if (value === 'skip' || value === 'once') return value;
  if (value !== null && typeof value === 'object' && Object.keys(value).join() === 'catchUp') {
    const n = (value as { catchUp: unknown }).catchUp;
    if (Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_CATCH_UP) return { catchUp: n as number };
  }
  throw new InvalidScheduleError(
    `Option 'missed' must be 'skip', 'once' or { catchUp: n } with n an integer from 1 to ${MAX_CATCH_UP}; got ${value !== null && typeof value === 'object' ? JSON.stringify(value) : describe(value)}.`,
  );
}
