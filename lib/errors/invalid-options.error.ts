import { JobsError } from './jobs.error.js';

/** Options given to enqueue, a pipeline or a consumer are out of range or of the wrong type. */
export class InvalidJobOptionsError extends JobsError {
  override readonly code = 'JOBS_INVALID_OPTIONS';
}
