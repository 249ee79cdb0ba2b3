import { ConsumerShutdownError } from '../errors/shutdown.error.js';
import type { ClaimedJob } from '../persistence/row.mapper.js';
import type { RunOutcome } from './job-runner.js';
import type { LoopLogger } from './consumer.types.js';
import { waitAtMost } from '../wait.util.js';

/** A job running in one of the consumer's slots. */
export interface RunningJob {
  job: ClaimedJob;
  controller: AbortController;
  /** Settles once the outcome is recorded; never rejects. */
  done: Promise<void>;
}

export interface JobSlotsCollaborators {
  execute(job: ClaimedJob, controller: AbortController): Promise<RunOutcome>;
  /** Records how the attempt ended (`ms`: how long it ran). */
  record(job: ClaimedJob, outcome: RunOutcome, ms: number): void;
  /** The job left its slot, however it ended (after `record`). */
  ended(job: ClaimedJob): void;
  logger: LoopLogger;
}

/** The jobs this consumer runs now, up to its concurrency; each one's outcome is recorded once. */
export class JobSlots {
  /** Running jobs by id. */
  readonly running = new Map<string, RunningJob>();
  /** Jobs started since the consumer started, the unit of `maxJobs`' limit on claims. */
  started = 0;

  constructor(
    private readonly concurrency: number,
    private readonly collaborators: JobSlotsCollaborators,
  ) {}

  get size(): number {
    return this.running.size;
  }

  get free(): number {
    return this.concurrency - this.running.size;
  }

  start(job: ClaimedJob): void {
    this.started += 1;
    const controller = new AbortController();
    const startedAt = Date.now();
    const entry: RunningJob = {
      job,
      controller,
      // One reaction per job (not then/catch/finally): three promises per job showed in the profile.
      done: this.collaborators.execute(job, controller).then(
        (outcome) => {
          try {
            this.collaborators.record(job, outcome, Date.now() - startedAt);
          } catch (err) {
            this.internalError(job, err);
          }
          this.leave(job);
        },
        (err: unknown) => {
          this.internalError(job, err);
          this.leave(job);
        },
      ),
    };
    this.running.set(job.id, entry);
  }

  /** Aborts every running job with the error `reason` makes for it. */
  abortAll(reason: (job: ClaimedJob) => Error): void {
    for (const r of this.running.values()) r.controller.abort(reason(r.job));
  }

  /** Shutdown: running jobs get `graceMs` to end, then are aborted (their outcome hands them back). */
  async finish(graceMs: number): Promise<void> {
    if (this.running.size === 0) return;
    const all = Promise.all([...this.running.values()].map((r) => r.done));
    await waitAtMost(all, graceMs);
    this.abortAll(
      (job) =>
        new ConsumerShutdownError(
          `Consumer stopping: job ${job.id} did not finish within the ${graceMs} ms grace period; handed back`,
        ),
    );
    await all;
  }

  private leave(job: ClaimedJob): void {
    this.running.delete(job.id);
    this.collaborators.ended(job);
  }

  private internalError(job: ClaimedJob, err: unknown): void {
    const { message, stack } = err as Error;
    this.collaborators.logger.error(`internal error recording job ${job.id}: ${message}`, stack);
  }
}
