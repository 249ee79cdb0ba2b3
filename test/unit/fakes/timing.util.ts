import { jest } from '@jest/globals';

/**
 * Resolves once `condition` holds, checking after each turn of the event loop. Fails after `ms` of
 * real time (performance.now: tests may stub Date.now), so a broken consumer fails, not hangs.
 */
export async function until(condition: () => boolean, ms = 2_000): Promise<void> {
  const end = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`condition not met within ${ms} ms: ${condition.toString()}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Date.now() under the test's control: it moves only when the test calls `advance`. */
export function stubClock(start = 1_700_000_000_000): { advance(ms: number): void; restore(): void } {
  let now = start;
  const spy = jest.spyOn(Date, 'now').mockImplementation(() => now);
  return {
    advance: (ms) => void (now += ms),
    restore: () => spy.mockRestore(),
  };
}
