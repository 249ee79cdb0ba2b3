import type { BackoffOptions } from '../interfaces/backoff-options.js';
import type { ClaimedJob } from '../persistence/row.mapper.js';
import { backoffDelayMs } from './backoff.util.js';

/**
 * What happens after a failed attempt, decided here only: whether it was the job's last, and how
 * long its retry waits. The consumer writes it; hooks (`@OnJobFailed`) and the enqueue side ask
 * the same questions.
 */

/**
 * Whether a thrown value says retrying cannot help: an `UnrecoverableJobError`, or any object
 * carrying `unrecoverable: true` (so an app's own error classes can say it without extending ours).
 */
export function isUnrecoverable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { unrecoverable?: unknown }).unrecoverable === true;
}

/**
 * Retrying cannot help (`permanent`: invalid input, an unrecoverable error, see `isUnrecoverable`),
 * or the job has used all its attempts.
 */
export function isFinalFailure(
  job: Pick<ClaimedJob, 'attempts' | 'maxAttempts'>,
  outcome: { permanent: boolean },
): boolean {
  return outcome.permanent || job.attempts >= job.maxAttempts;
}

/** A job's own backoff (set by `@Job()` or the enqueue call) over the module's `defaultBackoff`. */
export function withDefaultBackoff(
  defaultBackoff: Required<BackoffOptions>,
  backoff: BackoffOptions | null | undefined,
): Required<BackoffOptions> {
  return { ...defaultBackoff, ...(backoff ?? {}) };
}

/** Delay before retrying the job's failed attempt `job.attempts`, with its backoff over the default. */
export function retryDelayMs(
  job: Pick<ClaimedJob, 'attempts' | 'backoff'>,
  defaultBackoff: Required<BackoffOptions>,
  random: () => number = Math.random,
): number {
  return backoffDelayMs(job.attempts, withDefaultBackoff(defaultBackoff, job.backoff), random);
}
