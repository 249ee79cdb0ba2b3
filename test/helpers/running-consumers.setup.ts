/**
 * Jest setupFilesAfterEnv (every spec file, unit and e2e): fails the spec file if a consumer loop it
 * started is still running when its tests are done. A loop left behind keeps claiming from a database
 * the next spec file may have dropped, and keeps Jest's worker alive. Loops that are stopping get a
 * moment to finish first. The same for thread pools (`@Job({ thread })`) left with live threads.
 * Needs no database.
 */
import { runningLoops } from '../../lib/consumer/running-loops.js';
import { livePools } from '../../lib/threads/live-pools.js';

/** How long loops that are stopping may take to stop before they count as left running. */
const STOPPING_WAIT_MS = 5_000;
/** How long the check waits for the leftover loops it stops itself (stop(0)), so the next file starts clean. */
const CLEANUP_WAIT_MS = 2_000;

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterAll(
  async () => {
    // performance.now: a unit test may have stubbed Date.now.
    const end = performance.now() + STOPPING_WAIT_MS;
    while (runningLoops().some((l) => l.currentState === 'stopping') && performance.now() < end) await pause(10);
    const problems: string[] = [];
    const left = runningLoops();
    if (left.length) {
      const which = left.map((l) => `${l.consumerId} (${l.currentState})`).join(', ');
      await Promise.race([Promise.allSettled(left.map((l) => l.stop(0))), pause(CLEANUP_WAIT_MS)]);
      problems.push(
        `${left.length} consumer loop(s) still running after this spec file's tests: ${which}. ` +
          'Stop every consumer in the teardown (await consumer.stop() or app.close()) before the file ends.',
      );
    }
    const pools = livePools();
    if (pools.length) {
      const threads = pools.reduce((n, p) => n + p.threadCount, 0);
      await Promise.race([Promise.allSettled(pools.map((p) => p.destroy())), pause(CLEANUP_WAIT_MS)]);
      problems.push(
        `${pools.length} job thread pool(s) with ${threads} thread(s) left after this spec file's tests. ` +
          'Close the application (app.close()) before the file ends: it destroys the pool.',
      );
    }
    if (problems.length) throw new Error(problems.join(' '));
  },
  STOPPING_WAIT_MS + 2 * CLEANUP_WAIT_MS + 1_000,
);
