/**
 * The consumer loop's sleep, which `wake()` ends early. A wake while the loop is awake (awaiting a
 * claim) is kept for its next sleep, which then returns at once. Dropping it stalled a consumer until
 * its next poll: jobs that ended during a claim that found nothing left their slots empty, and
 * `untilEmpty` waited a whole poll interval to stop (bench sleep-10-100ms-c500: 1 run in 9 took 1 s
 * longer).
 */
export class WakeSignal {
  private wakeUp: (() => void) | undefined;
  private kept = false;

  /** Bound: handed to LISTEN, the result writer and the lease keeper as a plain callback. */
  readonly wake = (): void => {
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    if (wakeUp) wakeUp();
    else this.kept = true;
  };

  /** Sleeps `ms`, or less to end at `deadline` (epoch ms), unless woken first or a wake was kept. */
  sleep(ms: number, deadline: number): Promise<void> {
    if (this.kept) {
      this.kept = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(this.wake, Math.max(0, Math.min(ms, deadline - Date.now())));
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
