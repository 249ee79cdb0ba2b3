import { JobsError } from './jobs.error.js';

/**
 * Thrown by a handler: retrying cannot help (a record that no longer exists, a request the upstream
 * refuses for good). The job ends `failed` at once, whatever attempts remain. Any other error with
 * `unrecoverable: true` on it does the same (see `isUnrecoverable` in consumer/retry.policy.ts).
 */
export class UnrecoverableJobError extends JobsError {
  override readonly code = 'JOBS_UNRECOVERABLE';
  readonly unrecoverable = true;
}
