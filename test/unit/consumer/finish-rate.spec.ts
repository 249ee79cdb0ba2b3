import { jest } from '@jest/globals';
import { FinishRate } from '../../../lib/consumer/finish-rate.js';

/** FinishRate: how fast this consumer finishes jobs, which sizes its claim buffer. */
describe('FinishRate', () => {
  let now = 0;
  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  const end = (rate: FinishRate, n: number) => {
    for (let i = 0; i < n; i++) rate.noteEnded();
  };

  it('does not count the time before its first look', () => {
    const rate = new FinishRate();
    now += 10_000; // built long before the consumer runs
    expect(rate.perSecond()).toBe(0);
    end(rate, 50);
    now += 50;
    expect(rate.perSecond()).toBe(1_000);
  });

  it('takes a sample early once 100 jobs ended in it, not before 5 ms, and otherwise after 50 ms', () => {
    const rate = new FinishRate();
    rate.perSecond();
    end(rate, 99);
    now += 10;
    expect(rate.perSecond()).toBe(0); // 99 jobs in 10 ms: not a quick sample yet
    end(rate, 1);
    expect(rate.perSecond()).toBe(10_000); // 100 in 10 ms
    end(rate, 500);
    now += 4;
    expect(rate.perSecond()).toBe(10_000); // under 5 ms: no sample however many ended
    now += 1;
    expect(rate.perSecond()).toBe(100_000); // 500 in 5 ms: a rise is taken at once
  });

  it('smooths a fall: half the old rate and half the new sample', () => {
    const rate = new FinishRate();
    rate.perSecond();
    end(rate, 100);
    now += 10;
    expect(rate.perSecond()).toBe(10_000);
    end(rate, 50); // slow now: 50 jobs in 50 ms
    now += 50;
    expect(rate.perSecond()).toBe(5_500);
  });
});
