import { JobsError } from './jobs.error.js';

/** No job or pipeline has the given id. */
export class JobNotFoundError extends JobsError {
  override readonly code = 'JOBS_NOT_FOUND';
}
