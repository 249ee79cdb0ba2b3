import { JobsError } from './jobs.error.js';

/** A serialised input or output is larger than `maxPayloadBytes`. */
export class PayloadTooLargeError extends JobsError {
  override readonly code = 'JOBS_PAYLOAD_TOO_LARGE';
}
