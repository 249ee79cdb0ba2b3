import { WakeSignal } from '../../../lib/consumer/wake.signal.js';

const HOUR = 3_600_000;

/** 'woken' if the sleep ends before a few turns of the event loop, else 'asleep' (and wakes it). */
async function endsAtOnce(signal: WakeSignal, sleep: Promise<void>): Promise<'woken' | 'asleep'> {
  const result = await Promise.race([
    sleep.then(() => 'woken' as const),
    new Promise<'asleep'>((r) => setTimeout(() => r('asleep'), 20)),
  ]);
  if (result === 'asleep') {
    signal.wake();
    await sleep;
  }
  return result;
}

describe('WakeSignal', () => {
  it('wake() ends a sleep early', async () => {
    const signal = new WakeSignal();
    const sleep = signal.sleep(HOUR, Infinity);
    signal.wake();
    await expect(endsAtOnce(signal, sleep)).resolves.toBe('woken');
  });

  it('a wake while awake is kept for the next sleep, once', async () => {
    const signal = new WakeSignal();
    signal.wake();
    signal.wake();
    await expect(endsAtOnce(signal, signal.sleep(HOUR, Infinity))).resolves.toBe('woken');
    await expect(endsAtOnce(signal, signal.sleep(HOUR, Infinity))).resolves.toBe('asleep');
  });

  it('a sleep ends at the deadline when it comes before the sleep would', async () => {
    const signal = new WakeSignal();
    await expect(endsAtOnce(signal, signal.sleep(HOUR, Date.now()))).resolves.toBe('woken');
  });
});
