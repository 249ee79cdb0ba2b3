import { JobsError } from './jobs.error.js';

/** A job input failed its `input` DTO validation. */
export class InvalidJobInputError extends JobsError {
  override readonly code = 'JOBS_INVALID_INPUT';
}
