import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConsumerShutdownError } from '../errors/shutdown.error.js';
import { LeaseLostError } from '../errors/lease-lost.error.js';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import type { BackoffOptions } from '../interfaces/backoff-options.js';
import type { ClaimedJob } from '../persistence/row.mapper.js';
import type { FinishBatch, JobStore } from '../persistence/job.store.js';
import type { RunOutcome } from './job-runner.js';
import { backoffDelayMs } from './backoff.util.js';

/** Explicit states of a consumer; `stopping` means: no new claims, running jobs finish. */
export const ConsumerState = Object.freeze({
  Created: 'created',
  Running: 'running',
  Stopping: 'stopping',
  Stopped: 'stopped',
} as const);
export type ConsumerState = (typeof ConsumerState)[keyof typeof ConsumerState];

export interface LoopLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string, stack?: string): void;
}

export interface LoopSettings {
  concurrency: number;
  names: string[];
  queues?: string[];
  pollIntervalMs: number;
  maxJobs?: number;
  timeoutMs?: number;
  untilEmpty: boolean;
  shutdownGraceMs: number;
  leaseMs: number;
  heartbeatMs: number;
  defaultBackoff: Required<BackoffOptions>;
}

export interface LoopCollaborators {
  store: Pick<JobStore, 'claim' | 'finish' | 'heartbeat' | 'rescue'>;
  execute(job: ClaimedJob, controller: AbortController): Promise<RunOutcome>;
  /** Drops what was prepared for a claimed job that will not start here (handed back, lease lost, buffer cleared). */
  forget?(job: ClaimedJob): void;
  /** Starts waking the loop on new jobs (LISTEN/NOTIFY); returns how to stop. */
  listen?(wake: () => void): Promise<{ close(): Promise<void> }>;
  logger: LoopLogger;
}

/** What a consumer did, returned when it stops. */
export interface ConsumerSummary {
  consumerId: string;
  /** Attempts that ended (completed or failed), the unit of `maxJobs`. */
  processed: number;
  completed: number;
  failed: number;
  /** Jobs handed back at shutdown, lost leases and cancelled runs. */
  aborted: number;
}

/**
 * Claimed jobs are kept in a local buffer beyond the free slots, sized to what this consumer runs in
 * about PREFETCH_WINDOW_MS, so a claim round trip is paid per batch, not per free slot. Bench
 * (`npm run bench`, noop-drain, 20,000 jobs, concurrency 10): 2,290 jobs/s claiming only free slots.
 * The window also bounds how long a buffered job can keep a newer higher-priority job, or an idle
 * consumer elsewhere, waiting.
 */
const PREFETCH_WINDOW_MS = 100;
const MAX_PREFETCH = 2_000;
/**
 * Refill when the buffer is down to this share of its target: the rest must cover a claim's round
 * trip. At half (and a cap of 1,000) a consumer running no-op jobs emptied its buffer before each
 * claim of 500 came back (20-25 ms); at three quarters with a cap of 2,000, claims come back while a
 * thousand jobs are still buffered (bench noop-drain, 6 alternating runs: 18,121 -> 20,161 jobs/s).
 */
const REFILL_AT = 0.75;

interface Active {
  job: ClaimedJob;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The consumer: claims due jobs in batches, runs up to `concurrency` at once, writes their
 * results in batches (one transaction for everything that finished meanwhile), keeps their leases
 * alive, rescues jobs of dead consumers, and stops gracefully. No Nest imports: everything it
 * needs is passed in.
 */
export class ConsumerLoop {
  readonly consumerId = `${hostname().slice(0, 30)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private state: ConsumerState = ConsumerState.Created;
  private readonly active = new Map<string, Active>();
  /** Claimed (leased, heartbeated) but not started yet, in claim order (priority first). */
  private readonly buffer: ClaimedJob[] = [];
  /** Jobs per second this consumer finishes (moving average), to size the buffer. */
  private rate = 0;
  private rateSample = { at: Date.now(), ended: 0 };
  private ended = 0;
  /** Finished here, not yet written: still ours, so heartbeats keep their leases. */
  private readonly unflushed = new Map<string, number>();
  private batch: FinishBatch = { completed: [], failed: [], released: [] };
  private flushing: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private lastHeartbeatOk = Date.now();
  private localRetryUntil = 0;
  /** The last claim got all it asked for (assumed at start): claims guard their plan (ClaimFilter.guardPlan). */
  private backlog = true;
  private graceMs: number;
  private started = 0;
  private readonly summary: ConsumerSummary;
  private runPromise: Promise<ConsumerSummary> | undefined;

  constructor(private readonly s: LoopSettings, private readonly c: LoopCollaborators) {
    this.graceMs = s.shutdownGraceMs;
    this.summary = { consumerId: this.consumerId, processed: 0, completed: 0, failed: 0, aborted: 0 };
  }

  get currentState(): ConsumerState {
    return this.state;
  }

  get runningJobs(): number {
    return this.active.size;
  }

  run(): Promise<ConsumerSummary> {
    if (this.runPromise || this.state === ConsumerState.Stopped) throw new Error('A ConsumerLoop runs once; create a new one.');
    // Stopped before it ran (stop() in the same tick as JobConsumer.run()): it starts and ends at once.
    if (this.state === ConsumerState.Created) this.state = ConsumerState.Running;
    this.runPromise = this.main();
    return this.runPromise;
  }

  /** Graceful stop: no new claims; running jobs get `graceMs` (default: `shutdownGraceMs`), then are aborted and handed back. */
  stop(graceMs?: number): Promise<ConsumerSummary> {
    if (graceMs !== undefined) this.graceMs = Math.min(this.graceMs, graceMs);
    if (this.state === ConsumerState.Running || this.state === ConsumerState.Created) this.state = ConsumerState.Stopping;
    if (graceMs === 0) for (const a of this.active.values()) a.controller.abort(new ConsumerShutdownError('Consumer stopped at once'));
    this.wake();
    return this.runPromise ?? Promise.resolve(this.summary);
  }

  /**
   * Ends the loop's sleep; a wake while the loop is awake (awaiting a claim) is kept for its next
   * sleep, which then returns at once. Dropping it stalled a consumer until its next poll: jobs that
   * ended during a claim that found nothing left their slots empty, and `untilEmpty` waited a whole
   * poll interval to stop (bench sleep-10-100ms-c500: 1 run in 9 took 1 s longer).
   */
  private wake = (): void => {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    if (w) w();
    else this.woken = true;
  };
  private woken = false;

  private async main(): Promise<ConsumerSummary> {
    const s = this.s;
    const deadline = s.timeoutMs ? Date.now() + s.timeoutMs : Infinity;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), s.heartbeatMs);
    // Not awaited: the first claim goes out while the LISTEN connection opens (about 10 ms of a
    // 1.2 s run of 10,000 short jobs, bench sleep-10-100ms-c500); it wakes the loop once connected.
    const listening = this.c.listen?.(this.wake).catch((err) => {
      this.c.logger.warn(`LISTEN unavailable (${(err as Error).message}); polling every ${s.pollIntervalMs} ms`);
      return undefined;
    });
    let failures = 0;
    try {
      while (this.state === ConsumerState.Running) {
        if (Date.now() >= deadline) break;
        if (s.maxJobs !== undefined && this.started >= s.maxJobs) {
          if (this.active.size === 0) break;
          await this.sleep(s.pollIntervalMs, deadline);
          continue;
        }
        this.fillSlots();
        const free = s.concurrency - this.active.size;
        const target = this.prefetchTarget();
        let claimedAll = false;
        if (this.buffer.length <= target * REFILL_AT && free + target - this.buffer.length > 0) {
          const want = free + target - this.buffer.length;
          const limit = Math.min(want, s.maxJobs !== undefined ? s.maxJobs - this.started - this.buffer.length : want);
          if (limit <= 0) {
            await this.sleep(s.pollIntervalMs, deadline);
            continue;
          }
          let jobs: ClaimedJob[];
          // Idle already before the claim: then the claim saw every result this consumer wrote. A
          // write that commits while the claim runs may unblock pipeline steps the claim missed
          // (untilEmpty stopped after a pipeline's first step: pipelines.spec under load).
          const idleBefore = this.isIdle();
          try {
            jobs = await this.c.store.claim({ consumerId: this.consumerId, limit, leaseMs: s.leaseMs, names: s.names, queues: s.queues, guardPlan: this.backlog });
            this.backlog = jobs.length === limit;
            failures = 0;
          } catch (err) {
            failures += 1;
            this.c.logger.warn(`claim failed (${(err as Error).message}); retrying`);
            await this.sleep(Math.min(5_000, 100 * 2 ** failures), deadline);
            continue;
          }
          this.buffer.push(...jobs);
          this.fillSlots();
          claimedAll = jobs.length === limit;
          if (claimedAll) continue;
          if (jobs.length === 0 && s.untilEmpty && idleBefore && this.isIdle()) break;
        }
        await this.sleep(s.pollIntervalMs, deadline);
      }
    } finally {
      await this.shutdown();
      await (await listening)?.close();
    }
    return this.summary;
  }

  /** Nothing running, nothing left to write, and no retry of a job failed here is waiting. */
  private isIdle(): boolean {
    return this.active.size === 0 && this.buffer.length === 0 && !this.flushing && this.batchSize() === 0 && Date.now() >= this.localRetryUntil;
  }

  private sleep(ms: number, deadline: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake(), Math.max(0, Math.min(ms, deadline - Date.now())));
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Starts buffered jobs while slots are free (and the consumer is not stopping). */
  private fillSlots(): void {
    while (this.state === ConsumerState.Running && this.active.size < this.s.concurrency && this.buffer.length > 0) {
      this.start(this.buffer.shift()!);
    }
  }

  /**
   * How many jobs to hold beyond the free slots: what this consumer finishes in PREFETCH_WINDOW_MS.
   * No floor: with slow jobs (or none finished yet) it is 0 and only free slots are claimed, else a
   * buffered job would wait a whole slow job, while newer higher-priority jobs and idle consumers
   * elsewhere wait for it (test/e2e/ordering.spec.ts, consumer-limits.spec.ts).
   */
  private prefetchTarget(): number {
    const now = Date.now();
    const elapsed = now - this.rateSample.at;
    if (elapsed >= 50) {
      const recent = ((this.ended - this.rateSample.ended) * 1000) / elapsed;
      this.rate = this.rate === 0 ? recent : 0.5 * this.rate + 0.5 * recent;
      this.rateSample = { at: now, ended: this.ended };
    }
    return Math.min(MAX_PREFETCH, Math.round((this.rate * PREFETCH_WINDOW_MS) / 1000));
  }

  private start(job: ClaimedJob): void {
    this.started += 1;
    const controller = new AbortController();
    const startedAt = Date.now();
    const entry: Active = {
      job,
      controller,
      // One reaction per job (not then/catch/finally): three promises per job showed in the profile.
      done: this.c.execute(job, controller).then(
        (outcome) => {
          try {
            this.record(job, outcome, Date.now() - startedAt);
          } catch (err) {
            this.internalError(job, err);
          }
          this.afterRun(job);
        },
        (err: unknown) => {
          this.internalError(job, err);
          this.afterRun(job);
        },
      ),
    };
    this.active.set(job.id, entry);
  }

  private internalError(job: ClaimedJob, err: unknown): void {
    this.c.logger.error(`internal error recording job ${job.id}: ${(err as Error).message}`, (err as Error).stack);
  }

  /** A job left the slots, however it ended: start the next, and let the loop claim. */
  private afterRun(job: ClaimedJob): void {
    this.active.delete(job.id);
    this.ended += 1;
    this.fillSlots();
    this.wake();
  }

  private record(job: ClaimedJob, outcome: RunOutcome, ms: number): void {
    const tag = `job ${job.id} '${job.name}' attempt ${job.attempts}/${job.maxAttempts}`;
    if (outcome.kind === 'completed') {
      this.summary.processed += 1;
      this.summary.completed += 1;
      this.batch.completed.push({ id: job.id, attempt: job.attempts, output: outcome.output, effects: outcome.effects });
    } else if (outcome.kind === 'failed') {
      this.summary.processed += 1;
      this.summary.failed += 1;
      const final = outcome.permanent || job.attempts >= job.maxAttempts;
      const backoff = { ...this.s.defaultBackoff, ...(job.backoff ?? {}) };
      const delay = final ? 0 : backoffDelayMs(job.attempts, backoff);
      if (!final) this.localRetryUntil = Math.max(this.localRetryUntil, Date.now() + delay);
      this.c.logger.warn(`${tag} failed after ${ms} ms: ${outcome.error.message}${final ? ' (no attempts left)' : `; retry in ${delay} ms`}`);
      const log = { attempt: job.attempts, outcome: outcome.timeout ? 'timeout' : 'failed', error: outcome.error, consumer: this.consumerId };
      this.batch.failed.push({ id: job.id, attempt: job.attempts, final, delay_ms: delay, error: JSON.stringify(outcome.error), log: JSON.stringify(log) });
    } else {
      this.summary.aborted += 1;
      if (outcome.reason === 'lease-lost') {
        this.c.logger.warn(`${tag}: lease lost, result dropped (${outcome.error.message})`);
        return;
      }
      if (outcome.reason === 'shutdown') {
        this.batch.released.push({ id: job.id, attempt: job.attempts });
      } else {
        const log = { attempt: job.attempts, outcome: 'aborted', error: outcome.error, consumer: this.consumerId };
        this.batch.failed.push({ id: job.id, attempt: job.attempts, final: true, delay_ms: 0, error: JSON.stringify(outcome.error), log: JSON.stringify(log) });
      }
    }
    this.unflushed.set(job.id, job.attempts);
    this.flush();
  }

  private batchSize(): number {
    return this.batch.completed.length + this.batch.failed.length + this.batch.released.length;
  }

  /** Group commit: one write in flight at a time; whatever finishes meanwhile goes in the next. */
  private flush(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        await new Promise((r) => setImmediate(r));
        let failures = 0;
        while (this.batchSize() > 0) {
          const batch = this.batch;
          this.batch = { completed: [], failed: [], released: [] };
          try {
            const applied = await this.c.store.finish(this.consumerId, batch);
            failures = 0;
            // The database set each retry's runAfter from its clock when this write ran, which can
            // be well after the failure was recorded: `untilEmpty` must wait from now, not from then.
            for (const f of batch.failed) {
              if (!f.final && applied.has(f.id)) this.localRetryUntil = Math.max(this.localRetryUntil, Date.now() + f.delay_ms);
            }
            for (const j of [...batch.completed, ...batch.failed, ...batch.released]) {
              this.unflushed.delete(j.id);
              if (!applied.has(j.id)) this.c.logger.warn(`job ${j.id}: result not written, this consumer no longer holds its lease (another consumer rescued it)`);
            }
          } catch (err) {
            failures += 1;
            this.c.logger.warn(`writing ${batch.completed.length + batch.failed.length + batch.released.length} results failed (${(err as Error).message}); retrying`);
            this.batch.completed.unshift(...batch.completed);
            this.batch.failed.unshift(...batch.failed);
            this.batch.released.unshift(...batch.released);
            await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** failures)));
          }
        }
      } finally {
        this.flushing = undefined;
        this.wake();
      }
    })();
    return this.flushing;
  }

  private heartbeating = false;

  private async heartbeat(): Promise<void> {
    if (this.heartbeating) return;
    this.heartbeating = true;
    try {
      const held = [
        ...[...this.active.values()].map((a) => ({ id: a.job.id, attempt: a.job.attempts })),
        ...[...this.unflushed].map(([id, attempt]) => ({ id, attempt })),
        ...this.buffer.map((j) => ({ id: j.id, attempt: j.attempts })),
      ];
      const asked = new Set(held.map((h) => h.id));
      // The renewed leases run from about when the statement was sent, not from when it returned.
      const sentAt = Date.now();
      try {
        const alive = await this.c.store.heartbeat(this.consumerId, this.s.leaseMs, held);
        this.lastHeartbeatOk = sentAt;
        for (const a of this.active.values()) {
          // Claimed and started while the heartbeat was on its way: not asked about, so not lost.
          if (!asked.has(a.job.id)) continue;
          if (!alive.has(a.job.id)) a.controller.abort(new LeaseLostError(`Job ${a.job.id}: this consumer no longer holds its lease`));
          else if (alive.get(a.job.id)) a.controller.abort(new JobCancelledError(`Job ${a.job.id} was cancelled while it ran`));
        }
        this.checkBuffered(alive, asked);
      } catch (err) {
        this.c.logger.warn(`heartbeat failed (${(err as Error).message})`);
        if (Date.now() - this.lastHeartbeatOk > this.s.leaseMs) {
          // Cut off longer than a lease: other consumers may have rescued these jobs already.
          for (const a of this.active.values()) a.controller.abort(new LeaseLostError(`Job ${a.job.id}: no heartbeat for ${this.s.leaseMs} ms; the lease may be gone`));
          for (const job of this.buffer.splice(0)) this.c.forget?.(job); // not started: their leases lapse and they are rescued
        }
        return;
      }
      try {
        const rescued = await this.c.store.rescue();
        for (const r of rescued) this.c.logger.warn(`rescued job ${r.id} '${r.name}' from a consumer whose lease lapsed; now ${r.state}`);
        if (rescued.length) this.wake();
      } catch (err) {
        this.c.logger.warn(`rescue failed (${(err as Error).message})`);
      }
    } finally {
      this.heartbeating = false;
    }
  }

  /** Buffered jobs whose lease is gone are dropped; cancelled ones are handed back (the release ends them cancelled). */
  private checkBuffered(alive: Map<string, boolean>, asked: Set<string>): void {
    for (let i = this.buffer.length - 1; i >= 0; i--) {
      const job = this.buffer[i]!;
      // Claimed while the heartbeat was on its way: not asked about, so not lost.
      if (!asked.has(job.id) || (alive.has(job.id) && !alive.get(job.id))) continue;
      this.buffer.splice(i, 1);
      this.c.forget?.(job);
      if (alive.has(job.id)) this.handBack(job);
      else this.c.logger.warn(`job ${job.id} '${job.name}': lease lost before it started; not running it`);
    }
  }

  /** Returns a claimed, never started job to the queue without using up its attempt. */
  private handBack(job: ClaimedJob): void {
    this.c.forget?.(job);
    this.batch.released.push({ id: job.id, attempt: job.attempts });
    this.unflushed.set(job.id, job.attempts);
    void this.flush();
  }

  private async shutdown(): Promise<void> {
    if (this.state === ConsumerState.Running) this.state = ConsumerState.Stopping;
    for (const job of this.buffer.splice(0)) this.handBack(job);
    if (this.active.size > 0) {
      const all = Promise.all([...this.active.values()].map((a) => a.done));
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((r) => (timer = setTimeout(r, this.graceMs)));
      await Promise.race([all, grace]);
      clearTimeout(timer);
      for (const a of this.active.values()) a.controller.abort(new ConsumerShutdownError(`Consumer stopping: job ${a.job.id} did not finish within the ${this.graceMs} ms grace period; handed back`));
      await all;
    }
    // Write what is left; if the database stays away, give up after a lease: those jobs are rescued.
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), this.s.leaseMs)));
    const written = (async () => {
      while (this.flushing || this.batchSize() > 0) await this.flush();
    })();
    if ((await Promise.race([written, giveUp])) === 'timeout') {
      this.c.logger.error(`could not write ${this.batchSize()} results before stopping; their leases will lapse and other consumers will rescue them`);
    }
    clearTimeout(timer);
    clearInterval(this.heartbeatTimer);
    this.state = ConsumerState.Stopped;
  }
}
