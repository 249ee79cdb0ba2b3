import { JobNotFoundError } from '../errors/job-not-found.error.js';

const MAX_BIGINT = 9_223_372_036_854_775_807n;

/**
 * Job and pipeline ids are positive BIGINTs (given as strings or numbers). Anything else names no
 * job: `JobNotFoundError`, rather than a raw error from PostgreSQL's bigint cast.
 */
export function assertId(id: unknown, what: 'job' | 'pipeline'): void {
  const text = String(id);
  if (!/^[1-9]\d{0,18}$/.test(text) || BigInt(text) > MAX_BIGINT) {
    throw new JobNotFoundError(`No ${what} has id ${text}: ${what} ids are positive integers.`);
  }
}
