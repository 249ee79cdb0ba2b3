import type { BackoffOptions } from '../interfaces/backoff-options.js';

/**
 * Delay before retrying after failed attempt `attempt` (1-based): exponential, capped, with full
 * jitter between half and all of it, so a burst of failures does not retry in lockstep.
 */
export function backoffDelayMs(attempt: number, backoff: Required<BackoffOptions>, random = Math.random): number {
  const exp = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  if (!backoff.jitter) return Math.round(exp);
  return Math.round(exp / 2 + random() * (exp / 2));
}
