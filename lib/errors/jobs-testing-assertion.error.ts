import { JobsError } from './jobs.error.js';

/** An assertion of `JobsTesting` (`expectEnqueued`, `expectNotEnqueued`) did not hold; the message lists what is there. */
export class JobsTestingAssertionError extends JobsError {
  override readonly code = 'JOBS_TESTING_ASSERTION';
}
