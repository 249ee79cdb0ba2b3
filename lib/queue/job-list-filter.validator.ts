import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import type { JobListFilter } from '../interfaces/jobs-inspector.types.js';
import { JobState } from '../interfaces/job-state.js';
import type { JobPageFilter } from '../persistence/job-browse.store.js';
import {
  assertInt,
  assertJobName,
  assertKnownFields,
  assertQueueName,
  describe,
} from '../validation/options.validator.js';

/** Jobs per page of `listJobs` unless asked, and at most. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

const FIELDS = ['state', 'name', 'queue', 'createdAfter', 'createdBefore', 'after', 'limit'];
const STATES: readonly string[] = Object.values(JobState);

/** A cursor is the id of the last job of a page: digits, as ids are. */
const CURSOR = /^[1-9]\d{0,18}$/;

function assertDate(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new InvalidJobOptionsError(`Option '${option}' of listJobs() must be a valid Date; got ${describe(value)}.`);
  }
  return value.getTime();
}

/** Checks a `listJobs` filter, naming the option at fault, and turns it into the store's page filter (one row more, to know whether a next page exists). */
export function toPageFilter(filter: JobListFilter): JobPageFilter & { pageSize: number } {
  assertKnownFields(filter, FIELDS, 'listJobs()');
  const { state, name, queue, after, limit } = filter;
  if (state !== undefined && !STATES.includes(state)) {
    throw new InvalidJobOptionsError(
      `Option 'state' of listJobs() must be one of ${STATES.join(', ')}; got ${describe(state)}.`,
    );
  }
  if (name !== undefined) assertJobName(name, "Option 'name' of listJobs()");
  assertQueueName(queue, 'queue');
  if (after !== undefined && (typeof after !== 'string' || !CURSOR.test(after))) {
    throw new InvalidJobOptionsError(
      `Option 'after' of listJobs() must be the 'next' cursor of a previous page; got ${describe(after)}.`,
    );
  }
  assertInt(limit, 'limit', { min: 1, max: MAX_PAGE_SIZE });
  const pageSize = limit ?? DEFAULT_PAGE_SIZE;
  return {
    state,
    name,
    queue,
    createdAfterMs: assertDate(filter.createdAfter, 'createdAfter'),
    createdBeforeMs: assertDate(filter.createdBefore, 'createdBefore'),
    beforeId: after,
    limit: pageSize + 1,
    pageSize,
  };
}
