import { JobsError } from './jobs.error.js';

/** Stored as the error of a pipeline step that failed because a dependency did not complete. */
export class DependencyFailedError extends JobsError {
  override readonly code = 'JOBS_DEPENDENCY_FAILED';
}
