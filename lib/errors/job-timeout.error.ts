import { JobsError } from './jobs.error.js';

/** A job attempt ran longer than its `timeoutMs`. */
export class JobTimeoutError extends JobsError {
  override readonly code = 'JOBS_TIMEOUT';
}
