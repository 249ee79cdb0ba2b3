import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { assertKnownFields, assertNameList } from '../validation/options.validator.js';

export interface ConsumerCheckOptions {
  /** Down when no consumer runs in this process (a consumer process's probe). @default false (up, "not running here") */
  required?: boolean;
  /** Down when a consumer's loop has not gone round for longer. @default 30000, or 3 of its poll intervals if longer (ms) */
  maxTickAgeMs?: number;
}

export interface OldestDueCheckOptions {
  /** Down when the oldest due job has waited longer than this (ms), an integer >= 0. */
  maxAgeMs: number;
  /** Only these queues. @default every queue that is not paused */
  queues?: string[];
}

const MS_FIELDS = ['timeoutMs', 'maxTickAgeMs', 'maxAgeMs'];

/** Bad options of a health check throw `InvalidJobOptionsError` naming the option (at the probe's first call). */
export function assertHealthOptions(check: string, options: unknown, allowed: readonly string[]): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidJobOptionsError(`${check}(key, options): options must be an object; got ${String(options)}.`);
  }
  assertKnownFields(options, allowed, `${check}()`);
  const o = options as Record<string, unknown>;
  for (const field of MS_FIELDS.filter((f) => allowed.includes(f))) {
    const v = o[field];
    const required = field === 'maxAgeMs';
    if ((v === undefined && !required) || (Number.isInteger(v) && (v as number) >= 0)) continue;
    throw new InvalidJobOptionsError(
      `${check}(): option '${field}' must be an integer >= 0 (milliseconds); got ${String(v)}.`,
    );
  }
  if (o.required !== undefined && typeof o.required !== 'boolean') {
    throw new InvalidJobOptionsError(`${check}(): option 'required' must be true or false; got ${String(o.required)}.`);
  }
  if (allowed.includes('queues')) assertNameList(o.queues as string[] | undefined, 'queues', false);
}
