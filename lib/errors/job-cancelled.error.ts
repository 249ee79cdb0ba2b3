import { JobsError } from './jobs.error.js';

/** The job was cancelled while it ran; given as the reason of `ctx.signal`. */
export class JobCancelledError extends JobsError {
  override readonly code = 'JOBS_CANCELLED';
}
