/**
 * Exponential backoff with full jitter: the delay before retry `n` (1-based) is a random value
 * between `baseMs * 2^(n-1) / 2` and `baseMs * 2^(n-1)`, capped at `maxMs`.
 */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. @default 1000 (1 s) */
  baseMs?: number;
  /** Upper bound of any delay. @default 3600000 (1 h) */
  maxMs?: number;
  /** Set to false for exact delays (tests). @default true */
  jitter?: boolean;
}
