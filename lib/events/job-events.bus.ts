import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { JobRecord } from '../interfaces/job-record.js';
import type { JobErrorInfo } from '../interfaces/job-context.js';
import type { Json } from '../interfaces/job-types.js';
import type { ClaimedJob } from '../persistence/store.types.js';
import { JobStore } from '../persistence/job.store.js';
import type { Listener } from '../persistence/jobs-dialect.js';
import type { FinishedNotice } from '../persistence/monitor.store.js';
import type { WrittenResult } from '../consumer/result-writer.js';
import { JobEvents, type JobEventBase, type JobEventName, type JobEventPayloads } from './job-events.js';
import { JobWaiters, type Waiter } from './job-waiters.js';
import { PipelineEnds } from './pipeline-ends.js';

/** The part of `EventEmitter2` the queue uses. */
interface Emitter {
  emit(event: string, payload: unknown): unknown;
}

/**
 * What a stream subscriber (the console's `GET api/events`) hears: each event's name and the fields
 * that say which job or pipeline it is about, never outputs or errors (read those from the API).
 * `jobs.job.retried`: `retry()` in another process set a job going again (no app event for it).
 */
export interface StreamedEvent {
  event: JobEventName | 'jobs.job.retried';
  id?: string;
  name?: string | null;
  queue?: string;
  attempt?: number;
  pipelineId?: string | null;
  step?: string | null;
  state?: string;
  remote: boolean;
}

/** After a failed try to open the LISTEN connection, the next is made no sooner than this. */
export const LISTEN_RETRY_MS = 30_000;

/**
 * Emits the queue's events (`JobEvents`) into the app's `EventEmitter2` when it has one
 * (`EventEmitterModule`, an optional peer: looked up at start, never imported otherwise), and wakes
 * this process's waiters. Where the database carries notifications, it also listens for the jobs
 * other processes finish, from the start when there is an emitter, else from the first wait.
 */
@Injectable()
export class JobEventsBus implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('JobEvents');
  private emitter?: Emitter;
  private readonly waiters = new JobWaiters();
  private listening?: Promise<Listener | undefined>;
  /** Set when opening the LISTEN connection failed: not hearing others until a later try opens it. */
  private listenFailedAt: number | undefined;
  private closed = false;
  private readonly pipelines: PipelineEnds;
  private readonly streams = new Set<(event: StreamedEvent) => void>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly store: JobStore,
  ) {
    this.pipelines = new PipelineEnds(store, (name, payload) => this.emit(name, payload));
  }

  async onModuleInit(): Promise<void> {
    this.emitter = await findEmitter(this.moduleRef);
    if (this.emitter) this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await (await this.listening)?.close();
  }

  /** Whether the app subscribes to events (an `EventEmitter2` was found). */
  get emits(): boolean {
    return this.emitter !== undefined;
  }

  /** Whether finishes in other processes reach this one (then waits poll rarely, as a safety net). */
  get hearsOtherProcesses(): boolean {
    return this.store.monitor.hearsOtherProcesses && this.listenFailedAt === undefined;
  }

  /** Resolves once the LISTEN connection opened or failed to (at once if none is being opened). */
  async listened(): Promise<void> {
    await this.listening;
  }

  /**
   * Calls `listener` with every event from now on (see `StreamedEvent`), whether or not the app has
   * an emitter; returns what unsubscribes. Listens for other processes' finishes from now on.
   */
  subscribe(listener: (event: StreamedEvent) => void): () => void {
    this.streams.add(listener);
    this.listen();
    return () => this.streams.delete(listener);
  }

  /** Whether anyone hears events: the app's emitter, or a stream subscriber. */
  private get isHeard(): boolean {
    return this.emitter !== undefined || this.streams.size > 0;
  }

  emit<N extends JobEventName>(name: N, payload: JobEventPayloads[N]): void {
    if (this.streams.size) this.stream(name, payload);
    if (!this.emitter) return;
    try {
      this.emitter.emit(name, payload);
    } catch (err) {
      // A listener's error must not fail the enqueue or the consumer that emitted.
      this.logger.error(`a listener of '${name}' threw: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** Waits for `key` (`job:<id>`, `pipeline:<id>`); listens for other processes' finishes from now on. */
  waiter(key: string): Waiter {
    this.listen();
    return this.waiters.waiter(key);
  }

  enqueued(jobs: readonly JobRecord[]): void {
    if (!this.isHeard) return;
    for (const j of jobs) this.emit(JobEvents.Enqueued, { ...base(j, j.attempts, false), runAfter: j.runAfter });
  }

  started(job: ClaimedJob): void {
    if (this.isHeard) this.emit(JobEvents.Started, base(job, job.attempts, false));
  }

  progress(job: ClaimedJob, message: string, details: JobEventPayloads['jobs.job.progress']['details']): void {
    if (this.isHeard) this.emit(JobEvents.Progress, { ...base(job, job.attempts, false), message, details });
  }

  /** A job that ended `cancelled` by `cancel()` or `discard()` in this process. */
  cancelled(job: JobRecord): void {
    this.emit(JobEvents.Cancelled, { ...base(job, job.attempts, false), error: job.error });
    this.waiters.wake(`job:${job.id}`);
    if (job.pipelineId) this.pipelineMayHaveEnded([job.pipelineId], false);
  }

  /** Whether results written here have a use: an emitter, or a waiter of this process. */
  get wantsResults(): boolean {
    return this.isHeard || this.waiters.size > 0;
  }

  /** Results this process's consumer wrote (those without `outcome` only wake their waiters). */
  written(results: readonly WrittenResult[]): void {
    // The drain's hot path: nothing per job when no one listens or waits in this process.
    if (!this.wantsResults) return;
    const pipelines = new Set<string>();
    for (const { job, outcome, state } of results) {
      this.waiters.wake(`job:${job.id}`);
      if (job.pipelineId) this.waiters.wake(`pipeline:${job.pipelineId}`);
      if (!this.isHeard || !outcome) continue;
      const error = outcome.kind === 'failed' || outcome.kind === 'aborted' ? outcome.error : null;
      const b = base(job, job.attempts, false);
      if (state === 'completed' && outcome.kind === 'completed')
        this.emit(JobEvents.Completed, { ...b, output: JSON.parse(outcome.output) });
      else if (state === 'cancelled') this.emit(JobEvents.Cancelled, { ...b, error });
      else if (state === 'failed')
        this.emit(JobEvents.Failed, { ...b, error: error ?? unknownError(), willRetry: false });
      else if (state === 'pending' && outcome.kind === 'failed')
        this.emit(JobEvents.Failed, { ...b, error: outcome.error, willRetry: true });
      if (job.pipelineId && state !== 'pending') pipelines.add(job.pipelineId);
    }
    if (pipelines.size) this.pipelineMayHaveEnded([...pipelines], false);
  }

  /** A pipeline cancelled in this process may have ended with it. */
  pipelineMayHaveEnded(pipelineIds: string[], remote: boolean): void {
    if (!this.isHeard) return;
    this.pipelines
      .check(pipelineIds, remote)
      .catch((err: Error) => this.logger.warn(`pipeline events: ${err.message}`));
  }

  /** Hands an event to the stream subscribers, by the fields that say what it is about. */
  private stream(event: StreamedEvent['event'], payload: object): void {
    const { id, name, queue, attempt, pipelineId, step, state, remote } = payload as Partial<StreamedEvent>;
    const streamed: StreamedEvent = { event, id, name, queue, attempt, pipelineId, step, state, remote: !!remote };
    for (const listener of this.streams) {
      try {
        listener(streamed);
      } catch (err) {
        this.logger.error(`a stream of '${event}' threw: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }

  /**
   * Opens the LISTEN connection for other processes' finishes, once (where the database has one).
   * If it cannot be opened, this process says it does not hear them (waits poll at their own pace,
   * the console's stream says so) and the next wait or stream tries again after LISTEN_RETRY_MS.
   */
  private listen(): void {
    if (this.listening || this.closed || !this.store.monitor.hearsOtherProcesses) return;
    if (this.listenFailedAt !== undefined && Date.now() - this.listenFailedAt < LISTEN_RETRY_MS) return;
    this.listening = this.store.monitor
      .listenFinished((notices) => this.heard(notices))
      .then(
        (listener) => {
          this.listenFailedAt = undefined;
          return listener;
        },
        (err: Error) => {
          this.logger.warn(`cannot listen for other processes' finished jobs (${err.message}); waits poll`);
          this.listenFailedAt = Date.now();
          this.listening = undefined;
          return undefined;
        },
      );
  }

  /** Jobs another process finished; undefined: the connection (re)opened, notices may have been missed. */
  private heard(notices: FinishedNotice[] | undefined): void {
    if (!notices) return this.waiters.wakeAll();
    for (const n of notices) {
      this.waiters.wake(`job:${n.id}`);
      if (n.pipelineId) this.waiters.wake(`pipeline:${n.pipelineId}`);
    }
    if (this.isHeard)
      this.reEmit(notices).catch((err: Error) => this.logger.warn(`events of other processes: ${err.message}`));
  }

  /** Reads the jobs other processes finished and emits their events here (`remote: true`). */
  private async reEmit(notices: FinishedNotice[]): Promise<void> {
    const jobs = new Map((await this.store.get(notices.map((n) => n.id))).map((j) => [j.id, j]));
    for (const n of notices) {
      const job = jobs.get(n.id);
      if (!job) continue; // deleted meanwhile
      const b = base(job, job.attempts, true);
      const error = job.error ?? unknownError();
      if (n.outcome === 'completed') this.emit(JobEvents.Completed, { ...b, output: job.output as Json });
      else if (n.outcome === 'cancelled') this.emit(JobEvents.Cancelled, { ...b, error: job.error });
      else if (n.outcome !== 'retried')
        this.emit(JobEvents.Failed, { ...b, error, willRetry: n.outcome === 'retrying' });
      // `retried` (retry() in another process) has no app event of its own; it woke the waits above.
      else this.stream('jobs.job.retried', b);
    }
    const ended = (n: FinishedNotice) => n.outcome !== 'retrying' && n.outcome !== 'retried';
    const pipelines = notices.filter((n) => n.pipelineId && ended(n)).map((n) => n.pipelineId!);
    if (pipelines.length) await this.pipelines.check([...new Set(pipelines)], true);
  }
}

function base(
  job: Pick<ClaimedJob, 'id' | 'name' | 'queue' | 'pipelineId' | 'step'>,
  attempt: number,
  remote: boolean,
): JobEventBase {
  return { id: job.id, name: job.name, queue: job.queue, attempt, pipelineId: job.pipelineId, step: job.step, remote };
}

function unknownError(): JobErrorInfo {
  return { name: 'Error', message: 'no error was recorded' };
}

/** The app's `EventEmitter2`, if `@nestjs/event-emitter` is installed and `EventEmitterModule` imported. */
async function findEmitter(moduleRef: ModuleRef): Promise<Emitter | undefined> {
  try {
    const { EventEmitter2 } = await import('@nestjs/event-emitter');
    return moduleRef.get(EventEmitter2, { strict: false }) as Emitter;
  } catch {
    return undefined;
  }
}
