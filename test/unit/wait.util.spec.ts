import { waitAtMost } from '../../lib/wait.util.js';

describe('waitAtMost', () => {
  it('is true when the work settles in time, false when the time runs out first', async () => {
    expect(await waitAtMost(new Promise((r) => setTimeout(r, 5)), 1_000)).toBe(true);
    let done = false;
    const slow = new Promise<void>((r) => setTimeout(() => r(void (done = true)), 100));
    expect(await waitAtMost(slow, 10)).toBe(false);
    expect(done).toBe(false); // the work goes on
    await slow;
  });

  it('passes a rejection on', async () => {
    await expect(waitAtMost(Promise.reject(new Error('broke')), 1_000)).rejects.toThrow('broke');
  });
});
