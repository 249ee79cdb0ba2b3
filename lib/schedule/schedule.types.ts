import type { MissedPolicy } from './missed-policy.js';

/**
 * Terminology. A *schedule* is a row of `queue_schedule` made at run time by `JobQueue.schedule()`:
 * a cron expression, a job name and an input. Each time the expression matches (an *occurrence*,
 * computed in the schedule's time zone) one job is enqueued, with `runAfter` = that time. Every
 * consumer process reads the schedules; the one that advances a schedule's `nextRunAt` enqueues its
 * occurrence in the same transaction, so each occurrence is enqueued once however many consumers
 * run. Occurrences that passed while no consumer ran are *missed* (see `MissedPolicy`).
 */

/** The options of `JobQueue.schedule()`. */
export interface ScheduleOptions {
  /** IANA time zone the cron expression is read in (`'Europe/Paris'`). @default 'UTC' */
  timeZone?: string;
  /** What to do with occurrences missed while no consumer ran. @default 'once' */
  missed?: MissedPolicy;
  /** Queue of each occurrence's job. @default the `@Job()` option, else 'default' */
  queue?: string;
  /** Priority of each occurrence's job (higher first). @default the `@Job()` option, else 0 */
  priority?: number;
  /** Attempts of each occurrence's job. @default the `@Job()` option, else the module's */
  maxAttempts?: number;
  /** Time limit of each run of an occurrence's job. @default the `@Job()` option, else none (ms) */
  timeoutMs?: number;
}

/** The enqueue options a schedule stores for its jobs. */
export type ScheduledJobOptions = Pick<ScheduleOptions, 'queue' | 'priority' | 'maxAttempts' | 'timeoutMs'>;

/** A schedule as `JobQueue.schedules()` lists it. */
export interface ScheduleRecord {
  key: string;
  cron: string;
  /** The job each occurrence enqueues. */
  name: string;
  input: unknown;
  /** 'UTC' when none was given. */
  timeZone: string;
  missed: MissedPolicy;
  /** The enqueue options each occurrence's job gets. */
  options: ScheduledJobOptions;
  /** The next occurrence, which no consumer has enqueued yet. */
  nextRunAt: Date;
  /** The last occurrence enqueued (its scheduled time); null before the first. */
  lastRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
