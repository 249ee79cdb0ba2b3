// The public API of nestjs-job-pipelines. Everything a user needs, and nothing internal.
export { JobsModule } from './jobs.module.js';
export { Job } from './decorators/job.decorator.js';
export { OnJobEnqueued, BeforeJob, AfterJob, OnJobFailed, JobHookKind } from './decorators/job-hooks.decorator.js';
export { JobQueue, type WaitOptions, type QueueDepth } from './queue/job-queue.service.js';
export type { RetryFilter } from './queue/retry-filter.validator.js';
export type { ScheduleOptions, ScheduleRecord, ScheduledJobOptions } from './schedule/schedule.types.js';
export { DEFAULT_MISSED_POLICY, SCHEDULE_GRACE_MS, type MissedPolicy } from './schedule/missed-policy.js';
export { JobConsumer } from './consumer/job-consumer.service.js';
export { ConsumerState, type ConsumerSummary } from './consumer/consumer-loop.js';
export { runConsumerCli, parseConsumerArgs } from './consumer/consumer.cli.js';
export { runJobsBenchmark, type JobsBenchmarkOptions, type JobsBenchmarkSummary } from './bench/jobs-bench.js';
export { pipeline, chain, PipelineBuilder } from './pipeline/pipeline.builder.js';
export type { PipelineDefinition, PipelineStep, After } from './pipeline/pipeline.types.js';
export { JOB_ENTITIES } from './persistence/entities.js';
export type { JobEntity } from './persistence/job.entity.js';
export type { PipelineEntity, JobDependencyEntity } from './persistence/pipeline.entity.js';
export type { QueueControlEntity } from './persistence/queue-control.entity.js';
export type { JobStartEntity } from './persistence/job-start.entity.js';
export type { ScheduleEntity } from './persistence/schedule.entity.js';
export { JOBS_SCHEMA_VERSION } from './persistence/schema.sql.js';
export { jobsSchemaSql, adaptJobEntities } from './persistence/dialects/index.js';
export { JobState, PipelineState, DependencyPolicy, TERMINAL_JOB_STATES } from './interfaces/job-state.js';
export type { JobTypes, JobName, JobInput, JobOutput, Json } from './interfaces/job-types.js';
export type {
  JobContext,
  DependencyResult,
  SpawnRequest,
  JobErrorInfo,
  JobAttemptRecord,
} from './interfaces/job-context.js';
export type { JobRecord, PipelineRecord } from './interfaces/job-record.js';
export type {
  EnqueueOptions,
  EnqueueManyItem,
  JobHandlerOptions,
  JobRunOptions,
  JobRateLimit,
  JobConcurrencyLimit,
} from './interfaces/job-options.js';
export type { ConsumerOptions } from './interfaces/consumer-options.js';
export type { JobsModuleOptions } from './interfaces/jobs-module-options.js';
export type { BackoffOptions } from './interfaces/backoff-options.js';
export type { ThreadJobOptions, ThreadJobContext, ThreadJobHandler } from './threads/thread-job.types.js';
export { JobsTesting, drainJobs, type EnqueuedFilter, type DrainOptions } from './testing/jobs-testing.service.js';
export type { InputMatcher } from './testing/input.matcher.js';
export * from './errors/index.js';
