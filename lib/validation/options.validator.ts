import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { MAX_JOB_NAME_LENGTH, MAX_PRIORITY, MAX_QUEUE_NAME_LENGTH, MIN_PRIORITY } from '../jobs.constants.js';
import type { BackoffOptions } from '../interfaces/backoff-options.js';
import type { JobRunOptions } from '../interfaces/job-options.js';

/**
 * The checks of job and module options (consumer options: consumer/consumer-options.validator.ts).
 * Each message names the option, what was given and the fix.
 * `Err` selects the error class: options at a call (`InvalidJobOptionsError`) or at boot
 * (`JobsConfigurationError`, see errors/).
 */
type ErrCtor = new (message: string) => Error;

/** A given value, for a message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return `Date(${value.toString()})`;
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

export function assertInt(
  value: unknown,
  option: string,
  { min, max, Err = InvalidJobOptionsError }: { min: number; max?: number; Err?: ErrCtor },
): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    const range = max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    throw new Err(`Option '${option}' must be ${range}; got ${describe(value)}.`);
  }
}

export function assertJobName(name: unknown, where: string, Err: ErrCtor = InvalidJobOptionsError): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_JOB_NAME_LENGTH) {
    throw new Err(
      `${where}: a job name must be a non-empty string of at most ${MAX_JOB_NAME_LENGTH} characters; got ${describe(name)}.`,
    );
  }
}

/** `required`: undefined is refused too (a queue named in a call, not an option left out). */
export function assertQueueName(
  queue: unknown,
  option: string,
  Err: ErrCtor = InvalidJobOptionsError,
  required = false,
): void {
  if (queue === undefined && !required) return;
  if (typeof queue !== 'string' || queue.length === 0 || queue.length > MAX_QUEUE_NAME_LENGTH) {
    throw new Err(
      `Option '${option}' must be a non-empty string of at most ${MAX_QUEUE_NAME_LENGTH} characters; got ${describe(queue)}.`,
    );
  }
}

/**
 * Refuses fields `o` does not take: a misspelt option (`prority`) would otherwise be dropped
 * without a word and the job run with the default. `what` names `o` in the error (a function: built
 * only then).
 */
export function assertKnownFields(
  o: object,
  allowed: readonly string[],
  what: string | (() => string),
  Err: ErrCtor = InvalidJobOptionsError,
): void {
  const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new Err(
      `${typeof what === 'function' ? what() : what}: unknown option(s) ${unknown.map((k) => `'${k}'`).join(', ')}; it takes ${allowed.join(', ')}.`,
    );
  }
}

/** What `backoff` takes. */
const BACKOFF_FIELDS = ['baseMs', 'maxMs', 'jitter'] as const;

export function assertBackoff(
  backoff: BackoffOptions | undefined,
  option: string,
  Err: ErrCtor = InvalidJobOptionsError,
) {
  if (backoff === undefined) return;
  if (typeof backoff !== 'object' || backoff === null) {
    throw new Err(
      `Option '${option}' must be an object like { baseMs: 1000, maxMs: 3600000 }; got ${describe(backoff)}.`,
    );
  }
  assertKnownFields(backoff, BACKOFF_FIELDS, `Option '${option}'`, Err);
  assertInt(backoff.baseMs, `${option}.baseMs`, { min: 0, Err });
  assertInt(backoff.maxMs, `${option}.maxMs`, { min: 0, Err });
  if (backoff.jitter !== undefined && typeof backoff.jitter !== 'boolean') {
    throw new Err(`Option '${option}.jitter' must be true or false; got ${describe(backoff.jitter)}.`);
  }
}

/** Checks the options shared by `@Job()`, `enqueue()` and pipeline steps. */
export function assertRunOptions(
  o: JobRunOptions & { runAfter?: unknown; uniqueKey?: unknown; concurrencyKey?: unknown },
  Err: ErrCtor = InvalidJobOptionsError,
) {
  if (o === null || typeof o !== 'object') throw new Err(`Options must be an object; got ${describe(o)}.`);
  assertQueueName(o.queue, 'queue', Err);
  assertInt(o.priority, 'priority', { min: MIN_PRIORITY, max: MAX_PRIORITY, Err });
  assertInt(o.maxAttempts, 'maxAttempts', { min: 1, max: 1000, Err });
  assertInt(o.timeoutMs, 'timeoutMs', { min: 1, max: 2_147_483_647, Err });
  assertBackoff(o.backoff, 'backoff', Err);
  if (o.runAfter !== undefined && (!(o.runAfter instanceof Date) || Number.isNaN(o.runAfter.getTime()))) {
    throw new Err(
      `Option 'runAfter' must be a valid Date; got ${describe(o.runAfter)}. Pass e.g. new Date(Date.now() + 60_000).`,
    );
  }
  if (
    o.uniqueKey !== undefined &&
    (typeof o.uniqueKey !== 'string' || o.uniqueKey.length === 0 || o.uniqueKey.length > 255)
  ) {
    throw new Err(
      `Option 'uniqueKey' must be a non-empty string of at most 255 characters; got ${describe(o.uniqueKey)}.`,
    );
  }
  if (
    o.concurrencyKey !== undefined &&
    (typeof o.concurrencyKey !== 'string' || o.concurrencyKey.length === 0 || o.concurrencyKey.length > 255)
  ) {
    throw new Err(
      `Option 'concurrencyKey' must be a non-empty string of at most 255 characters; got ${describe(o.concurrencyKey)}.`,
    );
  }
}

const UNIQUE_KEYS = new Set(['key', 'forMs', 'replace', 'debounceMs']);
const YEAR_MS = 365 * 24 * 3600_000;

/** Checks `unique` and how it combines with `uniqueKey` and `runAfter`. */
export function assertUnique(
  o: { unique?: unknown; uniqueKey?: unknown; runAfter?: unknown },
  Err: ErrCtor = InvalidJobOptionsError,
): void {
  const u = o.unique as Record<string, unknown> | undefined;
  if (u === undefined) return;
  if (u === null || typeof u !== 'object' || Array.isArray(u))
    throw new Err(`Option 'unique' must be an object like { key: 'sync:42', forMs: 3600000 }; got ${describe(u)}.`);
  const unknown = Object.keys(u).filter((k) => !UNIQUE_KEYS.has(k));
  if (unknown.length)
    throw new Err(`Option 'unique' takes key, forMs, replace and debounceMs; unknown: ${unknown.join(', ')}.`);
  if (typeof u.key !== 'string' || u.key.length === 0 || u.key.length > 255) {
    throw new Err(`Option 'unique.key' must be a non-empty string of at most 255 characters; got ${describe(u.key)}.`);
  }
  if (o.uniqueKey !== undefined)
    throw new Err("Options 'uniqueKey' and 'unique' both give a key: use one ('unique: { key }' is 'uniqueKey').");
  assertInt(u.forMs, 'unique.forMs', { min: 1, max: YEAR_MS, Err });
  assertInt(u.debounceMs, 'unique.debounceMs', { min: 0, max: YEAR_MS, Err });
  if (u.replace !== undefined && typeof u.replace !== 'boolean')
    throw new Err(`Option 'unique.replace' must be true or false; got ${describe(u.replace)}.`);
  const replaces = u.replace === true || u.debounceMs !== undefined;
  if (u.forMs !== undefined && replaces) {
    throw new Err(
      "Option 'unique' cannot combine forMs with replace or debounceMs: forMs keeps the first job, replace updates it. Choose one.",
    );
  }
  if (u.replace === false && u.debounceMs !== undefined)
    throw new Err("Option 'unique.debounceMs' replaces the waiting job: it cannot go with replace: false.");
  if (u.debounceMs !== undefined && o.runAfter !== undefined) {
    throw new Err(
      "Options 'runAfter' and 'unique.debounceMs' both say when the job runs: give one (debounceMs counts from the database's clock).",
    );
  }
}

export function assertNameList(value: unknown, option: string, allowEmpty = true): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v.length === 0)) {
    throw new InvalidJobOptionsError(
      `Option '${option}' must be an array of non-empty strings; got ${describe(value)}.`,
    );
  }
  if (!allowEmpty && value.length === 0) {
    throw new InvalidJobOptionsError(
      `Option '${option}' is an empty list, so nothing would match. Name at least one, or leave the option out for all.`,
    );
  }
}
