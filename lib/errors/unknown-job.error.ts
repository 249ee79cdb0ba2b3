import { JobsError } from './jobs.error.js';

/** No `@Job()` handler is registered under the given name. */
export class UnknownJobError extends JobsError {
  override readonly code = 'JOBS_UNKNOWN_JOB';
}
