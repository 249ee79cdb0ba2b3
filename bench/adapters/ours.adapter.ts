import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Countdown, waitUntilZero, withTimeout } from '../drain.util.js';
import { probe } from '../probe.js';
import { createOursApp, enqueueAll, type OursDb } from '../ours/bench.app.js';
import type { QueueSystem } from './queue-system.js';
import { MikroORM } from '@mikro-orm/core';
import type { JobsModuleOptions } from '../../lib/index.js';

/**
 * Any due or running job left, read through the partial indexes (claim: pending; leased: running
 * jobs hold a lease), so that the look stays cheap on a table of a million finished rows. Called
 * once every handler ran: a step left blocked would have had no handler run, so it is not looked for.
 */
const UNFINISHED = `SELECT CASE WHEN EXISTS (SELECT 1 FROM queue_job WHERE lease_until IS NOT NULL)
  OR EXISTS (SELECT 1 FROM queue_job WHERE state = 'pending' AND run_after <= now()) THEN 1 ELSE 0 END AS n`;

/** This library, driven through a Nest application context with its defaults (no tuning). */
export const ours: QueueSystem = {
  id: 'ours',
  settings: {
    tuned: { note: 'defaults (users do not tune)', consumer: 'JobConsumer.run({ untilEmpty: true })' },
    default: { note: 'defaults', consumer: 'JobConsumer.run({ untilEmpty: true })' },
  },

  async bulkEnqueue(url, n) {
    const o = await createOursApp({ postgresUrl: url });
    try {
      const inputs = Array.from({ length: n }, (_, i) => ({ i }));
      const t0 = performance.now();
      await enqueueAll(o.queue, 'bench.noop', inputs);
      return performance.now() - t0;
    } finally {
      await o.close();
    }
  },

  async drain(url, n) {
    return drainOurs({ postgresUrl: url }, n);
  },

  async sleepRun(url, durations, concurrency) {
    const o = await createOursApp({ postgresUrl: url });
    try {
      await enqueueAll(
        o.queue,
        'bench.sleep',
        durations.map((ms) => ({ ms })),
      );
      const t0 = performance.now();
      await withTimeout(o.consumer.run({ concurrency, untilEmpty: true, schedule: false }), 300_000, 'ours sleep run');
      return performance.now() - t0;
    } finally {
      await o.close();
    }
  },

  latency(url, samples) {
    return latencyOurs({ postgresUrl: url }, samples);
  },
};

/** Enqueue-to-start latency with one idle consumer in the same process, one job at a time. */
export async function latencyOurs(db: OursDb, samples: number): Promise<number[]> {
  const o = await createOursApp(db);
  const running = o.consumer.run({ schedule: false });
  try {
    await sleep(300); // LISTEN connected, first empty claim done: the worker is idle
    const out: number[] = [];
    for (let i = 0; i < samples; i++) {
      let t0 = 0;
      const started = new Promise<number>((r) => (probe.onJob = () => r(performance.now() - t0)));
      t0 = performance.now();
      await o.queue.enqueue('bench.noop', {});
      out.push(await withTimeout(started, 10_000, 'ours latency sample'));
      await sleep(20); // let the completion be written: the next job meets an idle worker
    }
    return out;
  } finally {
    await o.consumer.stop();
    await running;
    await o.close();
  }
}

type OursApp = Awaited<ReturnType<typeof createOursApp>>;

/** Stores `n` no-op jobs (after `seed`, if given), then times one consumer with default settings running them all. */
export function drainOurs(db: OursDb, n: number, seed?: (o: OursApp) => Promise<void>): Promise<number> {
  return timeDrain(db, n, async (o) => {
    await seed?.(o);
    await enqueueAll(
      o.queue,
      'bench.noop',
      Array.from({ length: n }, (_, i) => ({ i })),
    );
  });
}

/** Stores work with `seed`, then times one consumer with default settings (module options `jobs`) until all `n` jobs it stored have run. */
export async function timeDrain(
  db: OursDb,
  n: number,
  seed: (o: OursApp) => Promise<void>,
  jobs: JobsModuleOptions = {},
): Promise<number> {
  const o = await createOursApp(db, true, jobs);
  try {
    await seed(o);
    const seen = new Countdown(n);
    probe.onJob = (k) => seen.hit(k);
    const t0 = performance.now();
    const running = withTimeout(o.consumer.run({ untilEmpty: true, schedule: false }), 300_000, 'ours drain');
    // On PostgreSQL the clock stops where the peers' does: every handler ran and the database holds
    // no unfinished job (the consumer's own stop, after untilEmpty saw nothing left, is not timed).
    const ms = db.postgresUrl
      ? await Promise.race([running.then(() => undefined), seen.done]).then(async () => {
          await waitUntilZero(db.postgresUrl!, UNFINISHED);
          return performance.now() - t0;
        })
      : await running.then(() => performance.now() - t0);
    const summary = await running;
    if (seen.seen !== n) {
      // What the table says, for the report: which jobs were left, in which state, held by whom.
      const left = await o.app
        .get(MikroORM)
        .em.getConnection()
        .execute(`SELECT state, COUNT(*) AS n, MAX(locked_by) AS held_by FROM queue_job GROUP BY state`);
      throw new Error(
        `ours ran ${seen.seen} of ${n} jobs; consumer ${JSON.stringify(summary)}; table ${JSON.stringify(left)}`,
      );
    }
    return ms;
  } finally {
    await o.close();
  }
}
