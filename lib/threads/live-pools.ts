/**
 * The thread pools of this process that hold threads (created, not yet destroyed). Internal: the test
 * suite fails a spec file that leaves one behind (test/helpers/running-consumers.setup.ts), as it
 * does for consumer loops. Not exported from the package.
 */
export interface TrackedPool {
  readonly threadCount: number;
  destroy(): Promise<void>;
}

const live = new Set<TrackedPool>();

export function poolCreated(pool: TrackedPool): void {
  live.add(pool);
}

export function poolDestroyed(pool: TrackedPool): void {
  live.delete(pool);
}

export function livePools(): readonly TrackedPool[] {
  return [...live];
}
