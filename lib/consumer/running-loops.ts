/**
 * The consumer loops of this process that are running (between `run()` and their stop). Internal:
 * the test suite fails a spec file that leaves one behind (test/helpers/running-consumers.setup.ts).
 * Not exported from the package.
 */
export interface TrackedLoop {
  readonly consumerId: string;
  readonly currentState: string;
  stop(graceMs?: number): Promise<unknown>;
}

const running = new Set<TrackedLoop>();

export function loopStarted(loop: TrackedLoop): void {
  running.add(loop);
}

export function loopStopped(loop: TrackedLoop): void {
  running.delete(loop);
}

export function runningLoops(): readonly TrackedLoop[] {
  return [...running];
}
