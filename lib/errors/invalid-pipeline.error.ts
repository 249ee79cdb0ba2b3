import { JobsError } from './jobs.error.js';

/** A pipeline definition is invalid (unknown step, cycle, unknown job name...). Nothing was written. */
export class InvalidPipelineError extends JobsError {
  override readonly code = 'JOBS_INVALID_PIPELINE';
}
