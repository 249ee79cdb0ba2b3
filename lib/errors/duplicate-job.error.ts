import { JobsError } from './jobs.error.js';

/** Two `@Job()` handlers use the same name; thrown at boot. */
export class DuplicateJobError extends JobsError {
  override readonly code = 'JOBS_DUPLICATE_JOB';
}
