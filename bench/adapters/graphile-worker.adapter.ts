import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Logger, makeWorkerUtils, run, runMigrations, type RunnerOptions, type Runner } from 'graphile-worker';
import { Countdown, waitUntilZero, withTimeout } from '../drain.util.js';
import { probe } from '../probe.js';
import type { QueueSystem, SettingsMode } from './queue-system.js';

const silent = new Logger(() => () => undefined);
const UNFINISHED = `SELECT count(*) AS n FROM graphile_worker._private_jobs`;

/**
 * graphile-worker 0.18. Tuned: its documented batching (https://worker.graphile.org/docs/performance):
 * a local queue that locks a batch of jobs per fetch, and batched completions.
 */
const TUNED = {
  concurrency: 10,
  preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
};

function options(url: string, mode: SettingsMode, extra: Partial<RunnerOptions> = {}): RunnerOptions {
  const taskList = {
    'bench.noop': async () => probe.onJob(1),
    'bench.sleep': async (payload: unknown) => {
      await sleep((payload as { ms: number }).ms);
      probe.onJob(1);
    },
  };
  return {
    connectionString: url,
    taskList,
    noHandleSignals: true,
    logger: silent,
    ...(mode === 'tuned' ? TUNED : {}),
    ...extra,
  };
}

async function seed(url: string, identifier: string, payloads: unknown[]): Promise<number> {
  const utils = await makeWorkerUtils({ connectionString: url, logger: silent });
  try {
    await utils.migrate();
    const t0 = performance.now();
    for (let i = 0; i < payloads.length; i += 10_000) {
      await utils.addJobs(payloads.slice(i, i + 10_000).map((payload) => ({ identifier, payload })));
    }
    return performance.now() - t0;
  } finally {
    await utils.release();
  }
}

/** A pool owned here (errors handled), so dropping the database afterwards cannot crash the bench. */
function ownPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => undefined);
  return pool;
}

async function timeRun(url: string, n: number, opts: RunnerOptions): Promise<number> {
  const seen = new Countdown(n);
  probe.onJob = (k) => seen.hit(k);
  const pool = ownPool(url, opts.maxPoolSize ?? 10);
  const t0 = performance.now();
  const runner: Runner = await run({ ...opts, connectionString: undefined, pgPool: pool });
  try {
    await withTimeout(seen.done, 180_000, 'graphile-worker run');
    await waitUntilZero(url, UNFINISHED);
    return performance.now() - t0;
  } finally {
    await runner.stop();
    await pool.end();
  }
}

export const graphileWorker: QueueSystem = {
  id: 'graphile-worker',
  settings: {
    tuned: TUNED,
    default: { note: 'run({ connectionString, taskList }): concurrency 1, pollInterval 2000 ms' },
  },

  bulkEnqueue: (url, n) =>
    seed(
      url,
      'bench.noop',
      Array.from({ length: n }, (_, i) => ({ i })),
    ),

  async drain(url, n, mode) {
    await seed(
      url,
      'bench.noop',
      Array.from({ length: n }, (_, i) => ({ i })),
    );
    return timeRun(url, n, options(url, mode));
  },

  async sleepRun(url, durations, concurrency) {
    await seed(
      url,
      'bench.sleep',
      durations.map((ms) => ({ ms })),
    );
    return timeRun(
      url,
      durations.length,
      options(url, 'tuned', {
        concurrency,
        maxPoolSize: 20,
        preset: { worker: { localQueue: { size: concurrency }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
      }),
    );
  },

  async latency(url, samples) {
    await runMigrations({ connectionString: url, logger: silent });
    const utils = await makeWorkerUtils({ connectionString: url, logger: silent });
    const pool = ownPool(url);
    const runner = await run({ ...options(url, 'tuned'), connectionString: undefined, pgPool: pool });
    try {
      await sleep(300);
      const out: number[] = [];
      for (let i = 0; i < samples; i++) {
        let t0 = 0;
        const started = new Promise<number>((r) => (probe.onJob = () => r(performance.now() - t0)));
        t0 = performance.now();
        await utils.addJob('bench.noop', {});
        out.push(await withTimeout(started, 10_000, 'graphile-worker latency sample'));
        await sleep(20);
      }
      return out;
    } finally {
      await runner.stop();
      await pool.end();
      await utils.release();
    }
  },
};
