import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  JOBS_MODULE_OPTIONS,
  BUSY_POLL_MS,
  DEFAULT_CONCURRENCY,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
} from '../jobs.constants.js';
import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { JobRegistry } from '../discovery/job.registry.js';
import { JobHooksRegistry } from '../discovery/job-hooks.registry.js';
import type { ConsumerOptions } from '../interfaces/consumer-options.js';
import type { ResolvedJobsModuleOptions } from '../interfaces/jobs-module-options.js';
import { JobStore } from '../persistence/job.store.js';
import { JobRowFactory } from '../queue/job-row.factory.js';
import { assertConsumerOptions } from './consumer-options.validator.js';
import { ConsumerLoop, type ConsumerSummary } from './consumer-loop.js';
import { JobRunner } from './job-runner.js';
import { RetentionPruner } from './retention.pruner.js';
import { RecurringScheduler, type RecurringJob } from './recurring.scheduler.js';
import { findSchedulerRegistry } from './scheduler-registry.lookup.js';
import { JobQueue } from '../queue/job-queue.service.js';
import type { JobName } from '../interfaces/job-types.js';
import { assertThreadFile } from '../threads/thread-option.util.js';
import { JobThreadPool } from '../threads/job-thread.pool.js';
import { Schedules } from '../schedule/schedules.service.js';
import { JobEventsBus } from '../events/job-events.bus.js';

/** One consumer of this process, as `JobConsumer.consumers()` shows it. */
export interface ConsumerStatus {
  consumerId: string;
  state: string;
  runningJobs: number;
  /** When its loop last went round (a claim, or a wake from its sleep). */
  lastTickAt: Date;
  pollIntervalMs: number;
}

/** How long shutdown waits for a background notice or check to end before the ORM closes anyway. */
const SETTLE_ON_SHUTDOWN_MS = 5_000;

/**
 * Runs consumers in this process. `run()` resolves when the consumer stops (its `maxJobs`,
 * `timeoutMs` or `untilEmpty` was reached, `stop()` was called, or a signal arrived).
 * The application's shutdown stops every consumer gracefully before the ORM closes.
 */
@Injectable()
export class JobConsumer implements BeforeApplicationShutdown {
  private readonly logger = new Logger('JobConsumer');
  private readonly loops = new Set<ConsumerLoop>();
  /** Each `run()` until its clean-up (timers, schedules, retention) has ended: the ORM closes after. */
  private readonly runs = new Set<Promise<unknown>>();
  /** Stopped consumers' LISTEN connections, still closing (`ConsumerLoop.closed`): the ORM closes after. */
  private readonly closing = new Set<Promise<void>>();
  /** The recurring jobs' timers, shared by this application's consumers. */
  private recurring?: RecurringScheduler;

  constructor(
    private readonly store: JobStore,
    private readonly registry: JobRegistry,
    private readonly rows: JobRowFactory,
    private readonly queue: JobQueue,
    private readonly hooks: JobHooksRegistry,
    private readonly threads: JobThreadPool,
    private readonly schedules: Schedules,
    private readonly moduleRef: ModuleRef,
    @Inject(JOBS_MODULE_OPTIONS) private readonly options: ResolvedJobsModuleOptions,
    private readonly events: JobEventsBus,
  ) {}

  /** The consumers running in this process now (`run()` called, not yet stopped). */
  consumers(): ConsumerStatus[] {
    return [...this.loops].map((l) => ({
      consumerId: l.consumerId,
      state: l.currentState,
      runningJobs: l.runningJobs,
      lastTickAt: l.lastTickAt,
      pollIntervalMs: l.pollIntervalMs,
    }));
  }

  /** The job names a consumer with these options claims: its handlers (or `include`) minus `exclude`. */
  claimableNames(options: Pick<ConsumerOptions, 'include' | 'exclude'>): string[] {
    const unknown = (options.include ?? []).filter((n) => !this.registry.has(n));
    if (unknown.length) {
      throw new InvalidJobOptionsError(
        `Option 'include' names jobs with no @Job() handler in this application: ${unknown.join(', ')}. Known jobs: ${this.registry.names().sort().join(', ') || 'none'}.`,
      );
    }
    const exclude = new Set(options.exclude ?? []);
    const both = (options.include ?? []).filter((n) => exclude.has(n));
    if (both.length) {
      throw new InvalidJobOptionsError(
        `Options 'include' and 'exclude' both name ${both.join(', ')}: a job cannot be both claimed and never claimed. Remove it from one of them.`,
      );
    }
    const names = (options.include ?? this.registry.names()).filter((n) => !exclude.has(n));
    if (names.length === 0 && options.exclude?.length) {
      // A consumer that can claim nothing would sit idle forever without a word.
      throw new InvalidJobOptionsError(
        `Option 'exclude' leaves this consumer no job to claim (its handlers: ${this.registry.names().sort().join(', ') || 'none'}). Exclude fewer names, or do not start this consumer.`,
      );
    }
    return names;
  }

  run(options: ConsumerOptions = {}): Promise<ConsumerSummary> {
    const running = this.runLoop(options);
    const settled = running.catch(() => undefined);
    this.runs.add(settled);
    void settled.finally(() => this.runs.delete(settled));
    return running;
  }

  private async runLoop(options: ConsumerOptions): Promise<ConsumerSummary> {
    assertConsumerOptions(options);
    const names = this.claimableNames(options);
    const threadJobs = names.map((n) => this.registry.get(n)).filter((j) => j.thread !== undefined);
    for (const job of threadJobs) assertThreadFile(job.name, job.thread!);
    if (threadJobs.length) this.threads.warm();
    const runner = new JobRunner(
      this.store.orm,
      this.store,
      this.registry,
      this.rows,
      { maxPayloadBytes: this.options.maxPayloadBytes, maxBatchSize: this.options.maxBatchSize },
      this.hooks,
      (m) => this.logger.error(m),
      (job, message, details) => this.events.progress(job, message, details),
    );
    const loop = new ConsumerLoop(
      {
        concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
        names,
        limits: names.flatMap((n) => this.registry.get(n).limits ?? []),
        queueLimits: this.options.queueLimits,
        queues: options.queues,
        pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
        busyPollMs: this.store.wakesOtherProcesses
          ? undefined
          : Math.min(BUSY_POLL_MS, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS),
        maxJobs: options.maxJobs,
        timeoutMs: options.timeoutMs,
        untilEmpty: options.untilEmpty ?? false,
        shutdownGraceMs: options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS,
        leaseMs: this.options.leaseMs,
        heartbeatMs: this.options.heartbeatMs,
        defaultBackoff: this.options.defaultBackoff,
      },
      {
        store: {
          // Pipeline steps get their dependency results and workspace loaded as soon as they are claimed.
          claim: async (filter) => runner.prime(await this.store.claim(filter)),
          finish: (consumerId, batch) => this.store.finish(consumerId, batch),
          heartbeat: (consumerId, leaseMs, jobs) => this.store.heartbeat(consumerId, leaseMs, jobs),
          rescue: async (limit) => {
            const rescued = await this.store.rescue(limit);
            const failed = rescued.filter((r) => r.state === 'failed').map((r) => r.id);
            // Not awaited by the heartbeat: a slow hook must not hold up leases.
            if (failed.length)
              runner
                .failedOnRescue(failed)
                .catch((err: Error) => this.logger.error(`@OnJobFailed hooks of rescued jobs: ${err.message}`));
            return rescued;
          },
        },
        execute: (job, controller) => {
          this.events.started(job);
          return runner.execute(job, controller);
        },
        written: (results) => this.events.written(results),
        wantsWritten: () => this.events.wantsResults,
        forget: (job) => runner.forget(job),
        listen: (wake) => this.store.listen(wake),
        logger: this.logger,
      },
    );
    this.loops.add(loop);
    const recurring = await this.startRecurring(names, options.schedule ?? true);
    // Run-time schedules (JobQueue.schedule): changes made elsewhere are seen within a poll interval.
    const scheduler =
      options.schedule === false ? undefined : this.schedules.runner(loopPollMs(options), (m) => this.logger.warn(m));
    scheduler?.start();
    const pruner = this.options.retention
      ? new RetentionPruner(this.options.retention, this.store.retention, this.logger)
      : undefined;
    pruner?.start();
    const detach = options.handleSignals ? this.handleSignals(loop) : () => undefined;
    // A handler that leaves a rejected promise behind must not crash the process and the other jobs with it.
    const onRejection = (reason: unknown) =>
      this.logger.error(`unhandled rejection in a job handler: ${(reason as Error)?.stack ?? String(reason)}`);
    process.on('unhandledRejection', onRejection);
    this.logger.log(
      `consumer ${loop.consumerId} started: ${names.length} job names, concurrency ${options.concurrency ?? DEFAULT_CONCURRENCY}${options.exclude?.length ? `, excluding ${options.exclude.join(', ')}` : ''}`,
    );
    try {
      const summary = await loop.run();
      this.logger.log(
        `consumer ${loop.consumerId} stopped: ${summary.completed} completed, ${summary.failed} failed attempts, ${summary.aborted} aborted`,
      );
      return summary;
    } finally {
      await recurring?.();
      await scheduler?.stop();
      await pruner?.stop();
      process.off('unhandledRejection', onRejection);
      detach();
      this.loops.delete(loop);
      this.closing.add(loop.closed);
      void loop.closed.finally(() => this.closing.delete(loop.closed));
    }
  }

  /** Keeps the next occurrence of every `cron` job this consumer handles enqueued; returns what stops that. */
  private async startRecurring(names: string[], enabled: boolean): Promise<(() => Promise<void>) | undefined> {
    const jobs: RecurringJob[] = names
      .map((n) => this.registry.get(n))
      .filter((j) => j.options.cron !== undefined)
      .map((j) => ({
        name: j.name,
        cron: j.options.cron!,
        timeZone: j.options.cronTimeZone,
        input: j.options.cronInput,
      }));
    if (!enabled || jobs.length === 0) return undefined;
    this.recurring ??= new RecurringScheduler(
      // Names come from the registry, not from the app's JobTypes declaration: cast, so this compiles under any.
      (name, input, runAfter, uniqueKey) =>
        this.queue.enqueue(name as JobName, input as never, { runAfter, uniqueKey }),
      () => findSchedulerRegistry(this.moduleRef),
      (message) => this.logger.warn(message),
    );
    return this.recurring.acquire(jobs);
  }

  /** Stops every consumer of this process: no new claims; running jobs get `graceMs`, then are handed back. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    // The runs of these loops only: a run started meanwhile is not stopped here, so not awaited.
    const runs = [...this.runs];
    await Promise.all([...this.loops].map((l) => l.stop(options.graceMs)));
    await Promise.all(runs);
  }

  /** Before the ORM closes: consumers stopped, and the statements they left in the background settled. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
    await Promise.all(this.closing);
    await this.store.settleBackground(SETTLE_ON_SHUTDOWN_MS);
  }

  private handleSignals(loop: ConsumerLoop): () => void {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals === 1) {
        this.logger.log(
          `${signal}: no new jobs; waiting for ${loop.runningJobs} running jobs (a second signal stops at once)`,
        );
        void loop.stop();
      } else {
        this.logger.warn(`${signal} again: aborting running jobs and handing them back`);
        void loop.stop(0);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    return () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }
}

function loopPollMs(options: ConsumerOptions): number {
  return options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
}
