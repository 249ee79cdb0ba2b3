import type { JobErrorInfo } from '../interfaces/job-context.js';
import type { Json } from '../interfaces/job-types.js';
import type { PipelineState } from '../interfaces/job-state.js';

/**
 * The events the queue emits, by name. In-process through `@nestjs/event-emitter` when the app
 * imports `EventEmitterModule` (`@OnEvent(JobEvents.Completed)`); on PostgreSQL, the jobs other
 * processes finish (completed, failed, cancelled) and the pipelines they end are emitted too, in
 * every process that listens (see README, "Events").
 */
export const JobEvents = Object.freeze({
  /** A job was written by `enqueue()`, `enqueueMany()` or `enqueuePipeline()` in this process. */
  Enqueued: 'jobs.job.enqueued',
  /** A consumer of this process started an attempt. */
  Started: 'jobs.job.started',
  /** A handler of this process reported progress (`ctx.progress()`), once written. */
  Progress: 'jobs.job.progress',
  /** An attempt completed and its result was written. */
  Completed: 'jobs.job.completed',
  /** An attempt failed and its result was written; `willRetry` says whether another attempt follows. */
  Failed: 'jobs.job.failed',
  /** A job ended `cancelled`: cancelled while it ran, or before it started (`cancel()`, `discard()`). */
  Cancelled: 'jobs.job.cancelled',
  /** Every step of a pipeline finished, and none failed (its state is `completed`). */
  PipelineCompleted: 'jobs.pipeline.completed',
  /** Every step of a pipeline finished, and it ended `failed` or `cancelled`. */
  PipelineFailed: 'jobs.pipeline.failed',
} as const);
export type JobEventName = (typeof JobEvents)[keyof typeof JobEvents];

/** What every job event says about its job. */
export interface JobEventBase {
  id: string;
  name: string;
  queue: string;
  /** The attempt this event is about (0 before the first one). */
  attempt: number;
  pipelineId: string | null;
  step: string | null;
  /** True when another process finished the job and this one heard of it through the database. */
  remote: boolean;
}

export interface JobEnqueuedEvent extends JobEventBase {
  runAfter: Date;
}

export type JobStartedEvent = JobEventBase;

export interface JobProgressEvent extends JobEventBase {
  message: string;
  details: Json | null;
}

export interface JobCompletedEvent extends JobEventBase {
  output: Json;
}

export interface JobFailedEvent extends JobEventBase {
  error: JobErrorInfo;
  /** Another attempt follows (after its backoff); false: the job ended `failed`. */
  willRetry: boolean;
}

export interface JobCancelledEvent extends JobEventBase {
  error: JobErrorInfo | null;
}

export interface PipelineEndedEvent {
  pipelineId: string;
  name: string | null;
  state: PipelineState;
  /** Steps in the pipeline, spawned children included. */
  steps: number;
  remote: boolean;
}

/** The payload of each event, by name: `JobEventPayloads[typeof JobEvents.Completed]`. */
export interface JobEventPayloads {
  'jobs.job.enqueued': JobEnqueuedEvent;
  'jobs.job.started': JobStartedEvent;
  'jobs.job.progress': JobProgressEvent;
  'jobs.job.completed': JobCompletedEvent;
  'jobs.job.failed': JobFailedEvent;
  'jobs.job.cancelled': JobCancelledEvent;
  'jobs.pipeline.completed': PipelineEndedEvent;
  'jobs.pipeline.failed': PipelineEndedEvent;
}
