import { JobsError } from './jobs.error.js';

/** This consumer lost the lease of a running job (it was paused or cut off); given as the reason of `ctx.signal`. */
export class LeaseLostError extends JobsError {
  override readonly code = 'JOBS_LEASE_LOST';
}
