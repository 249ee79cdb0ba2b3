import { backoffDelayMs } from '../../../lib/consumer/backoff.util.js';
import {
  isFinalFailure,
  isUnrecoverable,
  retryDelayMs,
  withDefaultBackoff,
} from '../../../lib/consumer/retry.policy.js';
import { UnrecoverableJobError } from '../../../lib/index.js';

const defaults = { baseMs: 1_000, maxMs: 60_000, jitter: false };

describe('retry policy', () => {
  it('a failure is final on the last attempt, or when retrying cannot help', () => {
    expect(isFinalFailure({ attempts: 1, maxAttempts: 3 }, { permanent: false })).toBe(false);
    expect(isFinalFailure({ attempts: 3, maxAttempts: 3 }, { permanent: false })).toBe(true);
    expect(isFinalFailure({ attempts: 4, maxAttempts: 3 }, { permanent: false })).toBe(true);
    expect(isFinalFailure({ attempts: 1, maxAttempts: 3 }, { permanent: true })).toBe(true);
  });

  it('an UnrecoverableJobError, or anything flagged unrecoverable: true, says retrying cannot help', () => {
    expect(isUnrecoverable(new UnrecoverableJobError('gone'))).toBe(true);
    expect(isUnrecoverable(Object.assign(new Error('gone'), { unrecoverable: true }))).toBe(true);
    expect(isUnrecoverable({ unrecoverable: true })).toBe(true);
    for (const value of [
      new Error('x'),
      Object.assign(new Error('x'), { unrecoverable: 'yes' }),
      null,
      undefined,
      'unrecoverable',
      { unrecoverable: 1 },
    ]) {
      expect(isUnrecoverable(value)).toBe(false);
    }
  });

  it("a job's own backoff wins over the default, option by option", () => {
    expect(withDefaultBackoff(defaults, null)).toEqual(defaults);
    expect(withDefaultBackoff(defaults, { baseMs: 10 })).toEqual({ baseMs: 10, maxMs: 60_000, jitter: false });
  });

  it('the retry delay doubles per attempt from the resolved backoff', () => {
    expect(retryDelayMs({ attempts: 1, backoff: null }, defaults)).toBe(1_000);
    expect(retryDelayMs({ attempts: 3, backoff: null }, defaults)).toBe(4_000);
    expect(retryDelayMs({ attempts: 2, backoff: { baseMs: 50 } }, defaults)).toBe(100);
  });
});

describe('backoffDelayMs', () => {
  it('is capped at maxMs', () => {
    expect(backoffDelayMs(30, { baseMs: 1_000, maxMs: 5_000, jitter: false })).toBe(5_000);
  });

  it('with jitter, stays between half and all of the exponential delay', () => {
    const backoff = { baseMs: 1_000, maxMs: 60_000, jitter: true };
    expect(backoffDelayMs(2, backoff, () => 0)).toBe(1_000);
    expect(backoffDelayMs(2, backoff, () => 0.999999)).toBe(2_000);
    expect(backoffDelayMs(2, backoff, () => 0.5)).toBe(1_500);
  });
});
