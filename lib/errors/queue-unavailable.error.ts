import { JobsError } from './jobs.error.js';

/** The database could not be reached; nothing was written. */
export class QueueUnavailableError extends JobsError {
  override readonly code = 'JOBS_QUEUE_UNAVAILABLE';
}
