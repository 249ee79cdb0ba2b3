import { JobsError } from './jobs.error.js';

/** The consumer is shutting down; given as the reason of `ctx.signal` after the grace period. */
export class ConsumerShutdownError extends JobsError {
  override readonly code = 'JOBS_SHUTDOWN';
}
