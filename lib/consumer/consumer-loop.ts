import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConsumerShutdownError } from '../errors/shutdown.error.js';
import type { ClaimedJob } from '../persistence/row.mapper.js';
import type { JobStore } from '../persistence/job.store.js';
import type { RunOutcome } from './job-runner.js';
import { ClaimBuffer } from './claim-buffer.js';
import { ConsumerState, type ConsumerSummary, type LoopLogger, type LoopSettings } from './consumer.types.js';
import { JobSlots } from './job-slots.js';
import { LeaseKeeper } from './lease-keeper.js';
import { ResultWriter, type ResultWriterCollaborators } from './result-writer.js';
import { loopStarted, loopStopped } from './running-loops.js';
import { WakeSignal } from './wake.signal.js';

export { ConsumerState, type ConsumerSummary, type LoopLogger, type LoopSettings } from './consumer.types.js';

export interface LoopCollaborators {
  store: Pick<JobStore, 'claim' | 'finish' | 'heartbeat' | 'rescue'>;
  execute(job: ClaimedJob, controller: AbortController): Promise<RunOutcome>;
  /** Drops what was prepared for a claimed job that will not start here (handed back, lease lost, buffer cleared). */
  forget?(job: ClaimedJob): void;
  /** Starts waking the loop on new jobs (LISTEN/NOTIFY); returns how to stop. */
  listen?(wake: () => void): Promise<{ close(): Promise<void> }>;
  /** Told the results each write applied (events, waiters). */
  written?: ResultWriterCollaborators['written'];
  wantsWritten?: ResultWriterCollaborators['wantsWritten'];
  logger: LoopLogger;
}

/**
 * The consumer: claims due jobs in batches into a buffer (ClaimBuffer), runs up to `concurrency`
 * at once (JobSlots), writes their results in batches (ResultWriter), keeps their leases alive and
 * rescues jobs of dead consumers (LeaseKeeper), and stops gracefully. This class holds the states
 * and decides when to claim, sleep and stop. No Nest imports: everything it needs is passed in.
 */
export class ConsumerLoop {
  readonly consumerId = `${hostname().slice(0, 30)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private state: ConsumerState = ConsumerState.Created;
  private readonly signal = new WakeSignal();
  private readonly buffer: ClaimBuffer;
  private readonly slots: JobSlots;
  private readonly writer: ResultWriter;
  private readonly leases: LeaseKeeper;
  private graceMs: number;
  private runPromise: Promise<ConsumerSummary> | undefined;
  /**
   * The LISTEN connection closed. `run()` resolves without waiting for it: the server takes about
   * 10 ms to end a session, which was 1% of the bench's 1.2 s run of 10,000 short jobs at
   * concurrency 500 (`untilEmpty` stops at once). The application's shutdown waits for it.
   */
  closed: Promise<void> = Promise.resolve();
  /** When the loop last went round (claimed, or woke from a sleep): the health check's sign of life. */
  private tickedAt = Date.now();

  constructor(
    private readonly settings: LoopSettings,
    private readonly collaborators: LoopCollaborators,
  ) {
    const { consumerId } = this;
    const { store, logger } = collaborators;
    const wake = this.signal.wake;
    this.graceMs = settings.shutdownGraceMs;
    this.buffer = new ClaimBuffer({
      consumerId,
      leaseMs: settings.leaseMs,
      names: settings.names,
      limits: settings.limits,
      queueLimits: settings.queueLimits,
      queues: settings.queues,
    });
    this.writer = new ResultWriter(
      { consumerId, defaultBackoff: settings.defaultBackoff },
      { store, wake, logger, written: collaborators.written, wantsWritten: collaborators.wantsWritten },
    );
    this.slots = new JobSlots(settings.concurrency, {
      execute: (job, controller) => collaborators.execute(job, controller),
      record: (job, outcome, ms) => this.writer.record(job, outcome, ms),
      ended: () => {
        this.buffer.noteEnded();
        this.fillSlots();
        wake();
      },
      logger,
    });
    this.leases = new LeaseKeeper(
      { consumerId, leaseMs: settings.leaseMs, heartbeatMs: settings.heartbeatMs },
      {
        store,
        running: this.slots.running,
        buffer: this.buffer,
        unflushed: this.writer.unflushed,
        handBack: (job) => this.handBack(job),
        forget: (job) => this.collaborators.forget?.(job),
        wake,
        logger,
      },
    );
  }

  get currentState(): ConsumerState {
    return this.state;
  }

  get runningJobs(): number {
    return this.slots.size;
  }

  get lastTickAt(): Date {
    return new Date(this.tickedAt);
  }

  /** How long it sleeps between claims when idle (the health check allows a few of them). */
  get pollIntervalMs(): number {
    return this.settings.pollIntervalMs;
  }

  run(): Promise<ConsumerSummary> {
    if (this.runPromise || this.state === ConsumerState.Stopped)
      throw new Error('A ConsumerLoop runs once; create a new one.');
    // Stopped before it ran (stop() in the same tick as JobConsumer.run()): it starts and ends at once.
    if (this.state === ConsumerState.Created) this.state = ConsumerState.Running;
    loopStarted(this);
    this.runPromise = this.main();
    return this.runPromise;
  }

  /** Graceful stop: no new claims; running jobs get `graceMs` (default: `shutdownGraceMs`), then are aborted and handed back. */
  stop(graceMs?: number): Promise<ConsumerSummary> {
    if (graceMs !== undefined) this.graceMs = Math.min(this.graceMs, graceMs);
    if (this.state === ConsumerState.Running || this.state === ConsumerState.Created)
      this.state = ConsumerState.Stopping;
    if (graceMs === 0) this.slots.abortAll(() => new ConsumerShutdownError('Consumer stopped at once'));
    this.signal.wake();
    return this.runPromise ?? Promise.resolve(this.summary());
  }

  private summary(): ConsumerSummary {
    return { consumerId: this.consumerId, ...this.writer.counts };
  }

  private async main(): Promise<ConsumerSummary> {
    const { settings, collaborators, signal } = this;
    const deadline = settings.timeoutMs ? Date.now() + settings.timeoutMs : Infinity;
    this.leases.start();
    // Not awaited: the first claim goes out while the LISTEN connection opens (about 10 ms of a
    // 1.2 s run of 10,000 short jobs, bench sleep-10-100ms-c500); it wakes the loop once connected.
    const listening = collaborators.listen?.(signal.wake).catch((err) => {
      collaborators.logger.warn(
        `LISTEN unavailable (${(err as Error).message}); polling every ${settings.pollIntervalMs} ms`,
      );
      return undefined;
    });
    try {
      await this.claimUntilStopped(deadline);
    } finally {
      try {
        await this.shutdown();
      } finally {
        this.closed = Promise.resolve(listening)
          .then((l) => l?.close())
          .catch(() => undefined);
        loopStopped(this);
      }
    }
    return this.summary();
  }

  /** Claims and sleeps until stopped, the deadline (`timeoutMs`), `maxJobs`, or `untilEmpty` ends it. */
  private async claimUntilStopped(deadline: number): Promise<void> {
    const { settings, signal, buffer, slots } = this;
    const { maxJobs, pollIntervalMs } = settings;
    let failures = 0;
    let pollMs = pollIntervalMs;
    while (this.state === ConsumerState.Running) {
      this.tickedAt = Date.now();
      if (Date.now() >= deadline) break;
      if (maxJobs !== undefined && slots.started >= maxJobs) {
        if (slots.size === 0) break;
        await signal.sleep(pollIntervalMs, deadline);
        continue;
      }
      this.fillSlots();
      const limit = buffer.claimLimit(slots.free, maxJobs !== undefined ? maxJobs - slots.started : Infinity);
      if (limit > 0) {
        let jobs: ClaimedJob[];
        // Idle already before the claim: then the claim saw every result this consumer wrote. A
        // write that commits while the claim runs may unblock pipeline steps the claim missed
        // (untilEmpty stopped after a pipeline's first step: pipelines.spec under load).
        const idleBefore = this.isIdle();
        try {
          jobs = await this.collaborators.store.claim(buffer.claimFilter(limit));
          failures = 0;
        } catch (err) {
          failures += 1;
          this.collaborators.logger.warn(`claim failed (${(err as Error).message}); retrying`);
          await signal.sleep(Math.min(5_000, 100 * 2 ** failures), deadline);
          continue;
        }
        if (settings.busyPollMs !== undefined) {
          pollMs = jobs.length > 0 ? settings.busyPollMs : Math.min(pollIntervalMs, pollMs * 2);
        }
        const claimedAll = buffer.add(jobs, limit);
        this.fillSlots();
        if (claimedAll) continue;
        if (jobs.length === 0 && settings.untilEmpty && idleBefore && this.isIdle()) break;
      }
      await signal.sleep(pollMs, deadline);
    }
  }

  /** Nothing running or buffered, nothing left to write, and no retry of a job failed here is waiting. */
  private isIdle(): boolean {
    return this.slots.size === 0 && this.buffer.size === 0 && this.writer.isSettled();
  }

  /** Starts buffered jobs while slots are free (and the consumer is not stopping). */
  private fillSlots(): void {
    while (this.state === ConsumerState.Running && this.slots.free > 0 && this.buffer.size > 0) {
      this.slots.start(this.buffer.take()!);
    }
  }

  /** Returns a claimed, never started job to the queue without using up its attempt. */
  private handBack(job: ClaimedJob): void {
    this.collaborators.forget?.(job);
    this.writer.release(job);
  }

  private async shutdown(): Promise<void> {
    if (this.state === ConsumerState.Running) this.state = ConsumerState.Stopping;
    for (const job of this.buffer.remove()) this.handBack(job);
    await this.slots.finish(this.graceMs);
    // Write what is left; if the database stays away, give up after a lease: those jobs are rescued.
    if (!(await this.writer.writeRemaining(this.settings.leaseMs))) {
      this.collaborators.logger.error(
        `could not write ${this.writer.pending} results before stopping; their leases will lapse and other consumers will rescue them`,
      );
    }
    await this.leases.stop();
    this.state = ConsumerState.Stopped;
  }
}
