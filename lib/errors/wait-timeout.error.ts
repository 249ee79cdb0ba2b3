import { JobsError } from './jobs.error.js';

/** Waiting for a job or pipeline to finish took longer than the given `timeoutMs`. */
export class WaitTimeoutError extends JobsError {
  override readonly code = 'JOBS_WAIT_TIMEOUT';
}
