import type { Listener } from './jobs-dialect.js';

/**
 * This process's consumers, woken when this process makes jobs pending, on a database without
 * notifications (other processes find them at their next poll). With notifications, the database
 * wakes this process's consumers like any other's.
 */
export class LocalWakes {
  private readonly wakes = new Set<() => void>();

  /** Whether any consumer of this process listens. */
  get listening(): boolean {
    return this.wakes.size > 0;
  }

  /** Calls `onWake` at each `wake()` until the listener is closed. */
  listen(onWake: () => void): Listener {
    this.wakes.add(onWake);
    return { close: async () => void this.wakes.delete(onWake) };
  }

  wake(): void {
    for (const wake of this.wakes) wake();
  }
}
