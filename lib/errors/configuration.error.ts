import { JobsError } from './jobs.error.js';

/** The module options are invalid; thrown at boot. */
export class JobsConfigurationError extends JobsError {
  override readonly code = 'JOBS_CONFIGURATION';
}
