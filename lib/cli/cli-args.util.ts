import { InvalidArgumentError } from 'commander';
import { JobState, TERMINAL_JOB_STATES } from '../interfaces/job-state.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const JOB_STATES: readonly string[] = Object.values(JobState);

/**
 * A duration such as `7d`, `12h`, `30m`, `45s`, `500ms`, `2w`, or several (`1d12h`), in milliseconds.
 * A bare number is refused: `--older-than 7` could mean days or seconds.
 */
export function parseDuration(text: string): number {
  const parts = [...text.trim().matchAll(/(\d+)(ms|s|m|h|d|w)/gy)];
  const whole = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || whole !== text.trim()) {
    throw new InvalidArgumentError(
      `'${text}' is not a duration: write a whole number and a unit (ms, s, m, h, d, w), e.g. 7d, 12h, 30m or 1d12h.`,
    );
  }
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2] as keyof typeof UNIT_MS], 0);
  if (!Number.isSafeInteger(ms)) throw new InvalidArgumentError(`'${text}' is too long a duration.`);
  return ms;
}

/** A job state by name (`failed`); `finished` only allows the finished ones (what purge deletes). */
export function parseJobState(text: string, finished = false): JobState {
  const allowed: readonly string[] = finished ? TERMINAL_JOB_STATES : JOB_STATES;
  const state = text.trim().toLowerCase();
  if (!allowed.includes(state)) {
    const what = finished ? 'a finished job state' : 'a job state';
    throw new InvalidArgumentError(`'${text}' is not ${what}: use one of ${allowed.join(', ')}.`);
  }
  return state as JobState;
}

/**
 * For a repeatable option (`--state failed --state cancelled`, or `--state failed,cancelled`):
 * adds the parsed values of one occurrence to the earlier ones.
 */
export function collect<T>(parse: (text: string) => T): (text: string, previous?: T[]) => T[] {
  return (text, previous = []) => [
    ...previous,
    ...text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map(parse),
  ];
}

/** A job id: a positive whole number. */
export function parseJobId(text: string): string {
  if (!/^[1-9]\d{0,18}$/.test(text)) {
    throw new InvalidArgumentError(`'${text}' is not a job id: job ids are positive whole numbers.`);
  }
  return text;
}

/** A whole number from `min` to `max`. */
export function wholeNumber(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) {
      throw new InvalidArgumentError(`'${text}' is not a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** A point in time in ISO 8601 (`2026-11-30`, `2026-11-30T08:00:00Z`). */
export function parseTime(text: string): Date {
  const date = new Date(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(date.getTime())) {
    throw new InvalidArgumentError(`'${text}' is not a time: write ISO 8601, e.g. 2026-11-30 or 2026-11-30T08:00:00Z.`);
  }
  return date;
}
