/**
 * Terminology
 * - job: one row in `queue_job`; a unit of work with a name, a JSON input and a JSON output.
 * - handler: the provider method decorated with `@Job(name)` that runs a job.
 * - attempt: one run of a job's handler; a failed attempt is retried until `maxAttempts`.
 * - consumer: a process (or part of one) that claims due jobs and runs their handlers.
 * - lease: the time a consumer holds a running job; kept alive by heartbeats, rescued when it lapses.
 * - pipeline: a set of jobs (steps) with dependencies; a step's input is built from its dependencies' outputs.
 */

/** The states a job moves through. Frozen so it works as a runtime value and a type. */
export const JobState = Object.freeze({
  /** Waiting for another step of its pipeline to finish. */
  Blocked: 'blocked',
  /** Due now or at `runAfter`; waiting for a consumer. */
  Pending: 'pending',
  /** Claimed by a consumer that holds its lease. */
  Running: 'running',
  Completed: 'completed',
  /** Failed after its last attempt, or failed because a dependency failed. */
  Failed: 'failed',
  Cancelled: 'cancelled',
  /** A pipeline step that did not run because a dependency failed and its policy is `skip`. */
  Skipped: 'skipped',
} as const);
export type JobState = (typeof JobState)[keyof typeof JobState];

export const TERMINAL_JOB_STATES: readonly JobState[] = Object.freeze([
  JobState.Completed,
  JobState.Failed,
  JobState.Cancelled,
  JobState.Skipped,
]);

export const PipelineState = Object.freeze({
  Pending: 'pending',
  Running: 'running',
  Completed: 'completed',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const);
export type PipelineState = (typeof PipelineState)[keyof typeof PipelineState];

/** What a dependant does when one of its dependencies does not complete. */
export const DependencyPolicy = Object.freeze({
  /** Default: the dependant fails too, and so does the pipeline. */
  Fail: 'fail',
  /** The dependant is skipped (state `skipped`); the pipeline is not failed by it. */
  Skip: 'skip',
  /** The dependant runs anyway and sees the failure in `ctx.dependencies`. */
  Run: 'run',
} as const);
export type DependencyPolicy = (typeof DependencyPolicy)[keyof typeof DependencyPolicy];
