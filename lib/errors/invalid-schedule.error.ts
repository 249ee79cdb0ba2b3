import { JobsError } from './jobs.error.js';

/** A schedule's key, cron expression, time zone or options are invalid (`JobQueue.schedule`); nothing was written. */
export class InvalidScheduleError extends JobsError {
  override readonly code = 'JOBS_INVALID_SCHEDULE';
}
