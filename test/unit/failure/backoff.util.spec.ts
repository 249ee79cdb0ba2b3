/** backoffDelayMs: exponential from baseMs, capped at maxMs, with jitter between half and all of it. */
import { backoffDelayMs } from '../../../lib/consumer/backoff.util.js';

const exact = { baseMs: 1_000, maxMs: 60_000, jitter: false };
const jittered = { ...exact, jitter: true };

describe('backoffDelayMs', () => {
  it('doubles from baseMs with each failed attempt, without jitter', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, exact))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('caps at maxMs, even for attempts whose power of two is Infinity', () => {
    expect(backoffDelayMs(7, exact)).toBe(60_000);
    expect(backoffDelayMs(5_000, exact)).toBe(60_000);
    expect(backoffDelayMs(3, { baseMs: 90_000, maxMs: 60_000, jitter: false })).toBe(60_000);
  });

  it('treats attempt 0 or below as the first (never less than baseMs)', () => {
    expect(backoffDelayMs(0, exact)).toBe(1_000);
    expect(backoffDelayMs(-3, exact)).toBe(1_000);
  });

  it('with jitter, lies between half and all of the delay, as the random source says', () => {
    expect(backoffDelayMs(3, jittered, () => 0)).toBe(2_000);
    expect(backoffDelayMs(3, jittered, () => 0.5)).toBe(3_000);
    expect(backoffDelayMs(3, jittered, () => 0.999_999)).toBe(4_000);
    expect(backoffDelayMs(20, jittered, () => 0)).toBe(30_000);
  });

  it('returns whole milliseconds, and 0 for a zero base', () => {
    expect(backoffDelayMs(1, { baseMs: 3, maxMs: 100, jitter: true }, () => 0)).toBe(2);
    expect(backoffDelayMs(9, { baseMs: 0, maxMs: 100, jitter: true })).toBe(0);
  });
});
