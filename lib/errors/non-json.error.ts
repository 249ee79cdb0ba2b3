import { JobsError } from './jobs.error.js';

/** A value does not survive a JSON round trip (function, BigInt, cycle, class instance, NaN...). */
export class NonJsonValueError extends JobsError {
  override readonly code = 'JOBS_NON_JSON';
}
