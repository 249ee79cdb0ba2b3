import { SetMetadata } from '@nestjs/common';
import { JOB_HOOK_METADATA } from '../jobs.constants.js';

/** When a hook runs, relative to a job's life. */
export const JobHookKind = Object.freeze({
  /** In the enqueuing process, after the job is written (in the same transaction when `em` is given). */
  Enqueued: 'enqueued',
  /** In the consumer, before the handler; if it throws, the attempt fails like the handler would. */
  Before: 'before',
  /** In the consumer, after every attempt, whatever its outcome (after `Failed` on a last failure); its own errors are logged only. */
  After: 'after',
  /**
   * In the consumer, once, when a job fails for good (no attempts left, or an unrecoverable error),
   * before the `After` hooks of that attempt; its errors are logged only.
   */
  Failed: 'failed',
} as const);
export type JobHookKind = (typeof JobHookKind)[keyof typeof JobHookKind];

export interface JobHookMetadata {
  kind: JobHookKind;
  /** Job names the hook is for; every job when empty. */
  names: string[];
}

const hook =
  (kind: JobHookKind) =>
  (...names: string[]) =>
    SetMetadata<string, JobHookMetadata>(JOB_HOOK_METADATA, { kind, names });

/** `(job: JobRecord) => void`: after a job of these names (or any) was enqueued, in the enqueuing process. */
export const OnJobEnqueued = hook(JobHookKind.Enqueued);
/** `(input, ctx: JobContext) => void`: before the handler of these jobs (or any) runs. */
export const BeforeJob = hook(JobHookKind.Before);
/** `(ctx: JobContext, outcome: { error?: JobErrorInfo; output?: unknown }) => void`: after every attempt. */
export const AfterJob = hook(JobHookKind.After);
/** `(ctx: JobContext, error: JobErrorInfo) => void`: when one of these jobs (or any) fails for good. */
export const OnJobFailed = hook(JobHookKind.Failed);
