import { describeError } from '../../../lib/consumer/error.util.js';
import { JobCancelledError } from '../../../lib/errors/job-cancelled.error.js';
import { LeaseLostError } from '../../../lib/errors/lease-lost.error.js';
import type { RunOutcome } from '../../../lib/consumer/job-runner.js';
import type { ClaimedJob } from '../../../lib/persistence/row.mapper.js';

type Settle = (outcome: RunOutcome) => void;

export const completed = (output: unknown = null): RunOutcome => ({
  kind: 'completed',
  output: JSON.stringify(output),
});
export const failed = (message = 'boom', permanent = false): RunOutcome => ({
  kind: 'failed',
  error: { name: 'Error', message },
  timeout: false,
  permanent,
});

/**
 * Stands in for JobRunner.execute: each run waits until the test ends it (`finish`), or ends at once
 * with `auto`. Like the real runner, an abort settles the run at once with the matching outcome.
 */
export class FakeRunner {
  /** Runs in progress by job id. */
  readonly running = new Map<string, { job: ClaimedJob; signal: AbortSignal; settle: Settle }>();
  /** Job ids in the order they started. */
  readonly started: string[] = [];
  readonly forgotten: string[] = [];
  /** When set, every run ends at once with this outcome (or rejects with what it throws). */
  auto: ((job: ClaimedJob) => RunOutcome) | undefined;

  readonly execute = (job: ClaimedJob, controller: AbortController): Promise<RunOutcome> => {
    this.started.push(job.id);
    if (this.auto) {
      try {
        return Promise.resolve(this.auto(job));
      } catch (err) {
        return Promise.reject(err as Error); // a bug in the runner, not a failed job
      }
    }
    return new Promise((resolve) => {
      const settle: Settle = (outcome) => {
        if (!this.running.delete(job.id)) return;
        resolve(outcome);
      };
      this.running.set(job.id, { job, signal: controller.signal, settle });
      controller.signal.addEventListener('abort', () => {
        const err = controller.signal.reason as Error;
        const reason =
          err instanceof JobCancelledError ? 'cancelled' : err instanceof LeaseLostError ? 'lease-lost' : 'shutdown';
        settle({ kind: 'aborted', reason, error: describeError(err) });
      });
    });
  };

  readonly forget = (job: ClaimedJob): void => {
    this.forgotten.push(job.id);
  };

  /** Ends the run of job `id` with `outcome` (completed by default). */
  finish(id: string, outcome: RunOutcome = completed()): void {
    const run = this.running.get(id);
    if (!run) throw new Error(`job ${id} is not running`);
    run.settle(outcome);
  }

  /** Ends every run in progress, oldest first. */
  finishAll(outcome: RunOutcome = completed()): void {
    for (const id of [...this.running.keys()]) this.finish(id, outcome);
  }
}
