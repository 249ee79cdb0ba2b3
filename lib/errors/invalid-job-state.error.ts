import { JobsError } from './jobs.error.js';

/** A call that needs a job in another state: retrying a running job, discarding a finished one. */
export class InvalidJobStateError extends JobsError {
  override readonly code = 'JOBS_INVALID_STATE';
}
