/**
 * Whoever waits in this process for a job or a pipeline to finish (`JobQueue.waitFor()`,
 * `waitForPipeline()`), woken when this process finishes one of its jobs or hears that another
 * process did. A wake only says "look again": the waiter reads the job itself.
 */
export class JobWaiters {
  private readonly byKey = new Map<string, Set<() => void>>();

  get size(): number {
    return this.byKey.size;
  }

  /** A waiter for `key` (`job:<id>`, `pipeline:<id>`); `close()` it when done. */
  waiter(key: string): Waiter {
    const w = new Waiter(() => {
      const set = this.byKey.get(key);
      set?.delete(wake);
      if (set?.size === 0) this.byKey.delete(key);
    });
    const wake = () => w.wake();
    let set = this.byKey.get(key);
    if (!set) this.byKey.set(key, (set = new Set()));
    set.add(wake);
    return w;
  }

  wake(key: string): void {
    for (const wake of this.byKey.get(key) ?? []) wake();
  }

  /** Every waiter looks again (the notifications were interrupted: some may have been missed). */
  wakeAll(): void {
    for (const set of this.byKey.values()) for (const wake of set) wake();
  }
}

/** One waiter: `next(ms)` resolves at the next wake, or after `ms`; a wake that came in between is not lost. */
export class Waiter {
  private woken = false;
  private resolve?: () => void;

  constructor(readonly close: () => void) {}

  wake(): void {
    if (this.resolve) this.resolve();
    else this.woken = true;
  }

  next(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.resolve = undefined;
        resolve();
      }, ms);
      this.resolve = () => {
        clearTimeout(timer);
        this.resolve = undefined;
        resolve();
      };
    });
  }
}
