import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/core';
import { JOBS_MODULE_OPTIONS } from '../jobs.constants.js';
import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { JobNotFoundError } from '../errors/job-not-found.error.js';
import { WaitTimeoutError } from '../errors/wait-timeout.error.js';
import type { EnqueueManyItem, EnqueueOptions } from '../interfaces/job-options.js';
import type { JobRecord } from '../interfaces/job-record.js';
import { JobState, TERMINAL_JOB_STATES } from '../interfaces/job-state.js';
import type { JobInput, JobName, JobOutput } from '../interfaces/job-types.js';
import type { ResolvedJobsModuleOptions } from '../interfaces/jobs-module-options.js';
import { JobStore } from '../persistence/job.store.js';
import { JobEnqueuer } from './job-enqueuer.js';
import { guard } from '../persistence/db-guard.util.js';
import { assertId } from './job-id.util.js';
import { assertKnownFields, assertNameList, assertQueueName } from '../validation/options.validator.js';
import { assertRetryFilter, type RetryFilter } from './retry-filter.validator.js';
import { purgeWithProgress, retryFailedWithProgress, type OnBulkProgress } from './bulk-progress.js';
import { Pipelines } from '../pipeline/pipelines.service.js';
import type { PipelineBuilder } from '../pipeline/pipeline.builder.js';
import type { PipelineDefinition } from '../pipeline/pipeline.types.js';
import type { PipelineRecord } from '../interfaces/job-record.js';
import type { QueueDepth } from '../interfaces/queue-depth.js';
import { foldQueueDepths } from './queue-depths.util.js';
import { ENQUEUE_FIELDS, assertEnqueueBatch } from '../validation/enqueue-batch.validator.js';
import { assertPurgeOptions } from '../validation/purge-options.validator.js';
import { Schedules } from '../schedule/schedules.service.js';
import type { ScheduleOptions, ScheduleRecord } from '../schedule/schedule.types.js';
import { JobEventsBus } from '../events/job-events.bus.js';
import { waitForEnd, type WaitOptions } from '../events/wait-for-end.js';
import { enqueueAttributes, enqueueSpanName, inProducerSpan } from '../telemetry/tracing.js';

export type { QueueDepth } from '../interfaces/queue-depth.js';
export type { WaitOptions } from '../events/wait-for-end.js';

/** Enqueue jobs, look them up, cancel them and wait for them. Inject it anywhere. */
@Injectable()
export class JobQueue {
  constructor(
    private readonly store: JobStore,
    private readonly enqueuer: JobEnqueuer,
    private readonly pipelines: Pipelines,
    private readonly schedulesOf: Schedules,
    @Inject(JOBS_MODULE_OPTIONS) private readonly options: ResolvedJobsModuleOptions,
    private readonly events: JobEventsBus,
  ) {}

  /**
   * Stores one job and returns it. With `options.em` the job is written in that EntityManager's
   * transaction. Throws a `JobsError` and writes nothing on an unknown name, bad options, an invalid
   * DTO, a non-JSON input or an oversized payload.
   */
  async enqueue<N extends JobName>(
    name: N,
    input?: JobInput<N>,
    options: EnqueueOptions = {},
  ): Promise<JobRecord<JobInput<N>, JobOutput<N>>> {
    if (options !== null && typeof options === 'object')
      assertKnownFields(options, ENQUEUE_FIELDS, `enqueue('${String(name)}')`);
    const { em, ...rest } = options ?? {};
    const [job] = await this.enqueueMany([{ name, input, ...rest } as EnqueueManyItem<JobName>], { em });
    return job as JobRecord<JobInput<N>, JobOutput<N>>;
  }

  /** Stores many jobs, all or nothing (one statement, or one transaction for a large batch); returns them in the order given. */
  async enqueueMany(items: EnqueueManyItem<JobName>[], options: { em?: EntityManager } = {}): Promise<JobRecord[]> {
    if (!assertEnqueueBatch(items, this.options.maxBatchSize)) return [];
    return inProducerSpan(
      () => enqueueSpanName(items),
      () => this.enqueuer.write(items, options.em),
      enqueueAttributes,
    );
  }

  /** The job, or `JobNotFoundError`. */
  async get<N extends JobName = JobName>(id: string | number): Promise<JobRecord<JobInput<N>, JobOutput<N>>> {
    assertId(id, 'job');
    const [job] = await guard(() => this.store.get([String(id)]));
    if (!job) throw new JobNotFoundError(`No job has id ${id}; it may have been purged.`);
    return job as JobRecord<JobInput<N>, JobOutput<N>>;
  }

  /**
   * Cancels a job. One that has not started ends `cancelled` at once; a running one has its
   * handler's `ctx.signal` aborted at its consumer's next heartbeat and then ends `cancelled`.
   * A finished job is returned unchanged. Dependants in a pipeline follow their failure policy.
   */
  async cancel(id: string | number): Promise<JobRecord> {
    assertId(id, 'job');
    const changed = await guard(() => this.store.control.cancel([String(id)]));
    const job = await this.get(id);
    if (changed.some((r) => r.state === JobState.Cancelled)) this.events.cancelled(job);
    return job;
  }

  /**
   * Runs a failed or cancelled job again: attempts reset to 0, output and error cleared, due now; its
   * `attemptLog` keeps every earlier attempt and gets a `retried` entry. In a pipeline, the steps that
   * ended without running because of it (failed by `fail`, skipped by `skip`, cancelled) are re-opened
   * too, transitively, and wait for it again. A job in another state, or a step that itself did not
   * run because of a dependency, throws `InvalidJobStateError`; an unknown id `JobNotFoundError`.
   * Nothing is written then. Returns the job as it is now.
   */
  async retry(id: string | number): Promise<JobRecord>;
  /**
   * Retries every failed job of a name and/or queue (`{ name: 'crm.sync' }`), `batchSize` at a
   * time (default 500); returns how many. Steps that failed because of a dependency are re-opened
   * with it, not counted on their own.
   */
  async retry(filter: RetryFilter): Promise<number>;
  async retry(target: string | number | RetryFilter): Promise<JobRecord | number> {
    if (typeof target === 'object' && target !== null) {
      const { batchSize, onProgress, ...filter } = assertRetryFilter(target, this.options.maxBatchSize);
      if (onProgress) return guard(() => retryFailedWithProgress(this.store, filter, batchSize, onProgress));
      return guard(() => this.store.control.retryFailed(filter, batchSize));
    }
    assertId(target, 'job');
    await guard(() => this.store.control.retry(String(target)));
    return this.get(target);
  }

  /**
   * Ends a job that has not started (pending or blocked) without running it: `cancelled`, with an
   * error `{ name: 'JobDiscarded' }` saying so; dependants in a pipeline follow their policy as for a
   * cancel. A running or finished job throws `InvalidJobStateError` (use `cancel()` for a running
   * one), an unknown id `JobNotFoundError`; nothing is written then.
   */
  async discard(id: string | number): Promise<JobRecord> {
    assertId(id, 'job');
    await guard(() => this.store.control.discard(String(id)));
    const job = await this.get(id);
    this.events.cancelled(job);
    return job;
  }

  /**
   * Resolves with the job once it is completed, failed, cancelled or skipped. Woken at once by a
   * finish in this process, and on PostgreSQL by one in any process; polls besides (`WaitOptions`).
   */
  waitFor<N extends JobName = JobName>(
    id: string | number,
    options: WaitOptions = {},
  ): Promise<JobRecord<JobInput<N>, JobOutput<N>>> {
    return waitForEnd(
      this.events,
      `job:${id}`,
      options,
      () => this.get<N>(id),
      (job) => TERMINAL_JOB_STATES.includes(job.state),
      (job, timeoutMs) =>
        new WaitTimeoutError(
          `Job ${id} is still ${job.state} after ${timeoutMs} ms. Is a consumer running that handles '${job.name}'?`,
        ),
    );
  }

  /**
   * Unfinished jobs per queue: `{ default: { pending: 3, due: 1, scheduled: 2, running: 1, blocked: 0 } }`.
   * `pending` = `due` (runAfter reached) + `scheduled` (runAfter ahead, on the database clock).
   * `queues`: only these, each listed even when it has no job. A paused queue has `paused: true`,
   * and is listed even with no jobs.
   */
  async queueDepths(queues?: readonly string[]): Promise<Record<string, QueueDepth>> {
    assertNameList(queues, 'queues', false);
    const [rows, paused] = await guard(() =>
      Promise.all([this.store.queueDepths(queues), this.store.control.pausedQueues()]),
    );
    return foldQueueDepths(rows, paused, queues);
  }

  /**
   * Pauses a queue in the database: every consumer, in every process, claims nothing more from it
   * from its next claim (PostgreSQL and SQLite alike: the claim reads the pause). Jobs already running
   * finish; so do jobs a consumer had claimed a moment before (its prefetch, at most about 100 ms of
   * its work). Enqueueing still works. A queue with no jobs yet can be paused. Throws
   * `InvalidJobOptionsError`, writing nothing, for a name that is not a queue name.
   */
  async pauseQueue(queue: string): Promise<void> {
    assertQueueName(queue, 'pauseQueue(queue)', InvalidJobOptionsError, true);
    await guard(() => this.store.control.setQueuePaused(queue, true));
  }

  /** Resumes a paused queue (a queue that is not paused is left as it is); consumers are woken at once on PostgreSQL. */
  async resumeQueue(queue: string): Promise<void> {
    assertQueueName(queue, 'resumeQueue(queue)', InvalidJobOptionsError, true);
    await guard(() => this.store.control.setQueuePaused(queue, false));
  }

  /** The paused queues, by name. */
  pausedQueues(): Promise<string[]> {
    return guard(() => this.store.control.pausedQueues());
  }

  /**
   * Deletes finished jobs older than `olderThanMs` in `states` (default: every finished state),
   * and finished pipelines whole (row, steps, edges) when every step is such a job;
   * returns how many jobs, steps included. Retention (module option) does this in the background.
   * With `onProgress`, it deletes 500 jobs per transaction and reports `{ done, total }` after each.
   */
  async purge(options: { olderThanMs: number; states?: JobState[]; onProgress?: OnBulkProgress }): Promise<number> {
    const states = assertPurgeOptions(options);
    const { olderThanMs, onProgress } = options;
    const batchSize = Math.min(500, this.options.maxBatchSize);
    if (onProgress) return guard(() => purgeWithProgress(this.store, { states, olderThanMs, batchSize }, onProgress));
    return guard(() => this.store.retention.purge(states, olderThanMs));
  }

  /**
   * Enqueues a pipeline atomically (all steps and edges, or nothing), optionally in `em`'s
   * transaction. See `pipeline()` and `chain()` for building definitions.
   */
  enqueuePipeline(
    definition: PipelineDefinition | PipelineBuilder<any>,
    options: { em?: EntityManager } = {},
  ): Promise<PipelineRecord> {
    return this.pipelines.enqueue(definition, options);
  }

  /** The pipeline with its derived state, progress, steps (by key) and workspace. */
  getPipeline(id: string | number): Promise<PipelineRecord> {
    return this.pipelines.get(id);
  }

  /** Cancels every step that has not finished. */
  cancelPipeline(id: string | number): Promise<PipelineRecord> {
    return this.pipelines.cancel(id);
  }

  /** Resolves once every step of the pipeline has finished. */
  waitForPipeline(id: string | number, options?: WaitOptions): Promise<PipelineRecord> {
    return this.pipelines.waitFor(id, options);
  }

  /**
   * Creates or changes schedule `key`: each occurrence of `cron` (in `options.timeZone`) enqueues one `name` job,
   * once across all consumers, never early (README, "Schedules"). Bad input throws, writing nothing.
   */
  schedule<N extends JobName>(
    key: string,
    cron: string,
    name: N,
    input?: JobInput<N>,
    options?: ScheduleOptions,
  ): Promise<ScheduleRecord> {
    return this.schedulesOf.schedule(key, cron, name, input, options);
  }

  /** Removes a schedule; false when there was none. Jobs it already enqueued stay. */
  unschedule(key: string): Promise<boolean> {
    return this.schedulesOf.unschedule(key);
  }

  /** Every run-time schedule, by key, with its next and last run. */
  schedules(): Promise<ScheduleRecord[]> {
    return this.schedulesOf.list();
  }
}
