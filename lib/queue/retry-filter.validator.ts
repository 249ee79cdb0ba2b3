import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { assertInt, describe } from '../validation/options.validator.js';
import type { OnBulkProgress } from './bulk-progress.js';

/** Which failed jobs `JobQueue.retry(filter)` runs again. */
export interface RetryFilter {
  /** Failed jobs of this name. */
  name?: string;
  /** Failed jobs of this queue. */
  queue?: string;
  /** Jobs retried per transaction. @default 500 (at most the module's maxBatchSize) */
  batchSize?: number;
  /** Called after each batch with `{ done, total }` (total counted first); for a progress bar. */
  onProgress?: OnBulkProgress;
}

const KEYS = new Set(['name', 'queue', 'batchSize', 'onProgress']);

/** Checks a retry filter (at least a name or a queue) and fills in its batch size. */
export function assertRetryFilter(filter: RetryFilter, maxBatchSize: number): RetryFilter & { batchSize: number } {
  const unknown = Object.keys(filter).filter((k) => !KEYS.has(k));
  if (unknown.length) {
    throw new InvalidJobOptionsError(
      `retry() takes a job id or a filter { name, queue, batchSize, onProgress }; unknown option(s): ${unknown.join(', ')}.`,
    );
  }
  for (const key of ['name', 'queue'] as const) {
    const v = filter[key];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0)) {
      throw new InvalidJobOptionsError(`Option '${key}' of retry() must be a non-empty string; got ${describe(v)}.`);
    }
  }
  if (filter.name === undefined && filter.queue === undefined) {
    throw new InvalidJobOptionsError(
      "retry({ ... }) needs a 'name' and/or a 'queue': it retries the failed jobs of those, never every failed job at once.",
    );
  }
  if (filter.onProgress !== undefined && typeof filter.onProgress !== 'function') {
    throw new InvalidJobOptionsError(
      `Option 'onProgress' of retry() must be a function; got ${describe(filter.onProgress)}.`,
    );
  }
  assertInt(filter.batchSize, 'batchSize', { min: 1, max: maxBatchSize });
  return { ...filter, batchSize: filter.batchSize ?? Math.min(500, maxBatchSize) };
}
