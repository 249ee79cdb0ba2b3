import type { BackoffOptions } from '../interfaces/backoff-options.js';
import type { ClaimedJob } from '../persistence/row.mapper.js';
import type { FinishBatch, JobStore } from '../persistence/job.store.js';
import type { RunOutcome } from './job-runner.js';
import type { ConsumerSummary, LoopLogger } from './consumer.types.js';
import { isFinalFailure, retryDelayMs } from './retry.policy.js';
import { waitAtMost } from '../wait.util.js';

/**
 * A result whose write took effect, with the state it left the job in. Without `outcome` (and with
 * only the job's id): a result not kept, because no one wanted results when it was recorded.
 */
export type WrittenResult =
  | { job: ClaimedJob; outcome: RunOutcome; state: string }
  | { job: Pick<ClaimedJob, 'id' | 'pipelineId'>; outcome?: undefined; state: string };

export interface ResultWriterSettings {
  consumerId: string;
  defaultBackoff: Required<BackoffOptions>;
}

export interface ResultWriterCollaborators {
  store: Pick<JobStore, 'finish'>;
  /** Called after each write, successful or not: the loop may claim (or stop) now. */
  wake(): void;
  /** Told the results each write applied (events, waiters); without it, nothing is kept for it. */
  written?(results: WrittenResult[]): void;
  /** Whether `written` has a use for results now (else a drain keeps none: see `record`). @default always */
  wantsWritten?(): boolean;
  logger: LoopLogger;
}

/** How the consumer's attempts ended so far (its summary without the id). */
export type OutcomeCounts = Omit<ConsumerSummary, 'consumerId'>;

const emptyBatch = (): FinishBatch => ({ completed: [], failed: [], snoozed: [], released: [] });

/**
 * Turns outcomes into rows to write, and writes them by group commit: one write in flight at a time,
 * and whatever finishes meanwhile goes in the next, one transaction each. A failed write is retried
 * with its results kept. Until its result is written, a job is still this consumer's (`unflushed`):
 * heartbeats keep its lease.
 */
export class ResultWriter {
  readonly counts: OutcomeCounts = { processed: 0, completed: 0, failed: 0, aborted: 0, snoozed: 0 };
  /** Finished here, not yet written (id to attempt): still ours, so heartbeats keep their leases. */
  readonly unflushed = new Map<string, number>();
  private batch = emptyBatch();
  private flushing: Promise<void> | undefined;
  /** Set when `writeRemaining` gave up: what is left is not retried (other consumers rescue those jobs). */
  private abandoned = false;
  /** Recorded results kept for `written` until their write (only when there is a `written`). */
  private readonly results = new Map<string, { job: ClaimedJob; outcome: RunOutcome }>();
  /** When the last retry of a job that failed here is due: `untilEmpty` waits for it. */
  private localRetryUntil = 0;

  constructor(
    private readonly settings: ResultWriterSettings,
    private readonly collaborators: ResultWriterCollaborators,
  ) {}

  /** Results recorded, not yet handed to a write. */
  get pending(): number {
    const b = this.batch;
    return b.completed.length + b.failed.length + b.snoozed.length + b.released.length;
  }

  /** Nothing to write, none in flight, and no retry of a job failed here is waiting. */
  isSettled(): boolean {
    return !this.flushing && this.pending === 0 && Date.now() >= this.localRetryUntil;
  }

  /** Records how an attempt ended (`ms`: how long it ran) and writes it with the next batch. */
  record(job: ClaimedJob, outcome: RunOutcome, ms: number): void {
    const { consumerId, defaultBackoff } = this.settings;
    const { logger } = this.collaborators;
    const counts = this.counts;
    const tag = `job ${job.id} '${job.name}' attempt ${job.attempts}/${job.maxAttempts}`;
    if (outcome.kind === 'completed') {
      counts.processed += 1;
      counts.completed += 1;
      this.batch.completed.push({
        id: job.id,
        attempt: job.attempts,
        output: outcome.output,
        effects: outcome.effects,
      });
    } else if (outcome.kind === 'failed') {
      counts.processed += 1;
      counts.failed += 1;
      const final = isFinalFailure(job, outcome);
      const delay = final ? 0 : retryDelayMs(job, defaultBackoff);
      if (!final) this.localRetryUntil = Math.max(this.localRetryUntil, Date.now() + delay);
      const next = final ? ' (no attempts left)' : `; retry in ${delay} ms`;
      logger.warn(`${tag} failed after ${ms} ms: ${outcome.error.message}${next}`);
      const log = {
        attempt: job.attempts,
        outcome: outcome.timeout ? 'timeout' : 'failed',
        error: outcome.error,
        consumer: consumerId,
      };
      const error = JSON.stringify(outcome.error);
      this.batch.failed.push({
        id: job.id,
        attempt: job.attempts,
        final,
        delay_ms: delay,
        error,
        log: JSON.stringify(log),
      });
    } else if (outcome.kind === 'snoozed') {
      counts.snoozed += 1;
      this.localRetryUntil = Math.max(this.localRetryUntil, Date.now() + outcome.delayMs);
      logger.log(`${tag} snoozed for ${outcome.delayMs} ms after ${ms} ms; the attempt does not count`);
      const log = { attempt: job.attempts, outcome: 'snoozed', delayMs: outcome.delayMs, consumer: consumerId };
      this.batch.snoozed.push({
        id: job.id,
        attempt: job.attempts,
        delay_ms: outcome.delayMs,
        log: JSON.stringify(log),
      });
    } else {
      counts.aborted += 1;
      if (outcome.reason === 'lease-lost') {
        logger.warn(`${tag}: lease lost, result dropped (${outcome.error.message})`);
        return;
      }
      if (outcome.reason === 'shutdown') {
        this.batch.released.push({ id: job.id, attempt: job.attempts });
      } else {
        const log = { attempt: job.attempts, outcome: 'aborted', error: outcome.error, consumer: consumerId };
        const error = JSON.stringify(outcome.error);
        this.batch.failed.push({
          id: job.id,
          attempt: job.attempts,
          final: true,
          delay_ms: 0,
          error,
          log: JSON.stringify(log),
        });
      }
    }
    this.unflushed.set(job.id, job.attempts);
    // Kept for `written` only while it has a use for them (an emitter, a waiter), and always for a
    // pipeline's step (its pipeline's waiters need its pipeline): the drain's hot path keeps nothing.
    if (this.collaborators.written && (job.pipelineId !== null || this.wanted())) {
      this.results.set(job.id, { job, outcome });
    }
    void this.flush();
  }

  /** Returns a claimed job that never started to the queue, without using up its attempt. */
  release(job: ClaimedJob): void {
    this.batch.released.push({ id: job.id, attempt: job.attempts });
    this.unflushed.set(job.id, job.attempts);
    void this.flush();
  }

  /**
   * Writes everything recorded; gives up after `giveUpMs` (the database stays away: those leases
   * lapse and other consumers rescue the jobs). Resolves false when it gave up.
   */
  async writeRemaining(giveUpMs: number): Promise<boolean> {
    this.abandoned = false;
    const written = (async () => {
      while (!this.abandoned && (this.flushing || this.pending > 0)) await this.flush();
    })();
    const inTime = await waitAtMost(written, giveUpMs);
    // Given up: the retry loop stops too, so a consumer stopped during an outage lets its process exit.
    if (!inTime) this.abandoned = true;
    return inTime;
  }

  /** Group commit: one write in flight at a time; whatever finishes meanwhile goes in the next. */
  private flush(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        await new Promise((r) => setImmediate(r));
        let failures = 0;
        while (this.pending > 0 && !this.abandoned) {
          const batch = this.batch;
          this.batch = emptyBatch();
          try {
            const applied = await this.collaborators.store.finish(this.settings.consumerId, batch);
            failures = 0;
            this.written(batch, applied);
          } catch (err) {
            failures += 1;
            const size = batch.completed.length + batch.failed.length + batch.snoozed.length + batch.released.length;
            this.collaborators.logger.warn(`writing ${size} results failed (${(err as Error).message}); retrying`);
            this.batch.completed.unshift(...batch.completed);
            this.batch.failed.unshift(...batch.failed);
            this.batch.snoozed.unshift(...batch.snoozed);
            this.batch.released.unshift(...batch.released);
            await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** failures)).unref());
          }
        }
      } finally {
        this.flushing = undefined;
        this.collaborators.wake();
      }
    })();
    return this.flushing;
  }

  private wanted(): boolean {
    return this.collaborators.wantsWritten?.() ?? true;
  }

  /** After a write: its jobs are no longer ours; `applied` holds those whose write took effect. */
  private written(batch: FinishBatch, applied: ReadonlyMap<string, string>): void {
    // The database set each retry's runAfter from its clock when this write ran, which can be well
    // after the failure was recorded: `untilEmpty` must wait from now, not from then.
    for (const f of [...batch.failed.filter((f) => !f.final), ...batch.snoozed]) {
      if (applied.has(f.id)) this.localRetryUntil = Math.max(this.localRetryUntil, Date.now() + f.delay_ms);
    }
    const told: WrittenResult[] = [];
    // A waiter that came after the record finds no kept result: it is still woken, by id.
    const wanted = this.collaborators.written !== undefined && this.wanted();
    for (const j of [...batch.completed, ...batch.failed, ...batch.snoozed, ...batch.released]) {
      this.unflushed.delete(j.id);
      const result = this.results.get(j.id);
      const state = applied.get(j.id);
      if (result) this.results.delete(j.id);
      if (state !== undefined && wanted)
        told.push(result ? { ...result, state } : { job: { id: j.id, pipelineId: null }, state });
      if (!applied.has(j.id)) {
        const why = 'this consumer no longer holds its lease (another consumer rescued it)';
        this.collaborators.logger.warn(`job ${j.id}: result not written, ${why}`);
      }
    }
    if (told.length === 0) return;
    try {
      this.collaborators.written?.(told);
    } catch (err) {
      this.collaborators.logger.error(`telling written results: ${(err as Error).message}`);
    }
  }
}
