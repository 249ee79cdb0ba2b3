import { ClaimBuffer, MAX_PREFETCH } from '../../../lib/consumer/claim-buffer.js';
import type { ClaimedJob } from '../../../lib/persistence/row.mapper.js';
import { stubClock } from '../fakes/timing.util.js';

const filter = { consumerId: 'c1', leaseMs: 30_000, names: ['work'] };
const job = (id: string, priority = 0) => ({ id, priority, attempts: 1 }) as ClaimedJob;

/** A buffer whose consumer finished `ended` jobs in the last 100 ms: its target is then `ended`. */
function finishedIn100Ms(buffer: ClaimBuffer, clock: ReturnType<typeof stubClock>, ended: number): void {
  buffer.prefetchTarget(); // a look (the first starts the rate's first sample; a later one changes nothing)
  for (let i = 0; i < ended; i++) buffer.noteEnded();
  clock.advance(100);
}

describe('ClaimBuffer', () => {
  let clock: ReturnType<typeof stubClock>;
  beforeEach(() => (clock = stubClock()));
  afterEach(() => clock.restore());

  it('holds nothing beyond the free slots until jobs have finished: claims only free slots', () => {
    const buffer = new ClaimBuffer(filter);
    expect(buffer.prefetchTarget()).toBe(0);
    expect(buffer.claimLimit(3, Infinity)).toBe(3);
    expect(buffer.claimLimit(0, Infinity)).toBe(0);
  });

  it('holds what the consumer finishes in 100 ms, on top of the free slots', () => {
    const buffer = new ClaimBuffer(filter);
    finishedIn100Ms(buffer, clock, 8);
    expect(buffer.claimLimit(2, Infinity)).toBe(10);
  });

  it('refills only once the buffer is down to three quarters of its target', () => {
    const buffer = new ClaimBuffer(filter);
    finishedIn100Ms(buffer, clock, 8);
    buffer.add(
      ['1', '2', '3', '4', '5', '6', '7'].map((id) => job(id)),
      7,
    );
    expect(buffer.claimLimit(2, Infinity)).toBe(0);
    buffer.take();
    expect(buffer.claimLimit(2, Infinity)).toBe(4);
  });

  it('follows the finish rate (a fall smoothed by a moving average), capped at MAX_PREFETCH', () => {
    const buffer = new ClaimBuffer(filter);
    finishedIn100Ms(buffer, clock, 8);
    expect(buffer.prefetchTarget()).toBe(8);
    clock.advance(100); // nothing finished: the rate halves
    expect(buffer.prefetchTarget()).toBe(4);
    finishedIn100Ms(buffer, clock, 100_000);
    expect(buffer.prefetchTarget()).toBe(MAX_PREFETCH);
  });

  it('never claims beyond what maxJobs still allows, counting what is buffered', () => {
    const buffer = new ClaimBuffer(filter);
    expect(buffer.claimLimit(5, 2)).toBe(2);
    finishedIn100Ms(buffer, clock, 8);
    buffer.add([job('1')], 1);
    expect(buffer.claimLimit(5, 3)).toBe(2);
  });

  it('hands jobs out in claim order and guards the claim plan while claims come back full', () => {
    const buffer = new ClaimBuffer(filter);
    expect(buffer.claimFilter(3)).toEqual({ ...filter, limit: 3, guardPlan: true });
    expect(buffer.add([job('9', 9), job('4', 5), job('2', 1)], 3)).toBe(true);
    expect([buffer.take()?.id, buffer.take()?.id, buffer.take()?.id]).toEqual(['9', '4', '2']);
    expect(buffer.add([job('5')], 3)).toBe(false);
    expect(buffer.claimFilter(3).guardPlan).toBe(false);
  });

  it('removes the jobs picked and keeps the others in order', () => {
    const buffer = new ClaimBuffer(filter);
    buffer.add(
      ['1', '2', '3', '4'].map((id) => job(id)),
      4,
    );
    expect(
      buffer
        .remove((j) => j.id === '2' || j.id === '4')
        .map((j) => j.id)
        .sort(),
    ).toEqual(['2', '4']);
    expect(buffer.buffered.map((j) => j.id)).toEqual(['1', '3']);
    expect(buffer.remove().map((j) => j.id)).toEqual(['1', '3']);
    expect(buffer.size).toBe(0);
  });
});
