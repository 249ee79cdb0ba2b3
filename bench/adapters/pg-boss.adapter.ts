import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PgBoss } from 'pg-boss';
import { Countdown, waitUntilZero, withTimeout } from '../drain.util.js';
import { probe } from '../probe.js';
import type { QueueSystem, SettingsMode } from './queue-system.js';

const QUEUE = 'bench';

/**
 * pg-boss 12. Tuned (its docs: fetch in batches, keep fetching while batches come back full,
 * NOTIFY on the queue): batches of 1,000. With one job per fetch it needs its monitor and
 * supervise intervals at 1 s to keep its stats (and so its burst mode) current.
 */
const TUNED_WORK = { batchSize: 1000, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 };
const TUNED_BOSS = { monitorIntervalSeconds: 1, superviseIntervalSeconds: 1, useListenNotify: true };
/**
 * "Default": pg-boss's default of one job per fetch. Strictly at defaults it fetches one job per
 * `pollingIntervalSeconds` (2 s), 0.5 jobs/s; so it gets the one setting that lets one-job fetches
 * run back to back (`burstWhenReadyExceeds`) and the 1 s stats intervals that setting needs.
 */
const DEFAULT_WORK = { burstWhenReadyExceeds: 1 };
const DEFAULT_BOSS = { monitorIntervalSeconds: 1, superviseIntervalSeconds: 1, queueCacheIntervalSeconds: 1 };

async function startBoss(url: string, mode: SettingsMode): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, ...(mode === 'tuned' ? TUNED_BOSS : DEFAULT_BOSS) });
  boss.on('error', (err) => console.error(`pg-boss: ${(err as Error).message}`));
  await boss.start();
  await boss.createQueue(QUEUE, mode === 'tuned' ? { notify: true } : {});
  return boss;
}

async function seed(boss: PgBoss, data: object[]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < data.length; i += 10_000)
    await boss.insert(
      QUEUE,
      data.slice(i, i + 10_000).map((d) => ({ data: d })),
    );
  return performance.now() - t0;
}

const UNFINISHED = `SELECT count(*) AS n FROM pgboss.job WHERE name = '${QUEUE}' AND state <> 'completed'`;

async function timeWork(
  url: string,
  boss: PgBoss,
  n: number,
  options: object,
  handler: (jobs: { data: any }[]) => Promise<void>,
): Promise<number> {
  const seen = new Countdown(n);
  probe.onJob = (k) => seen.hit(k);
  const t0 = performance.now();
  await boss.work(QUEUE, options, handler as any);
  await withTimeout(seen.done, 180_000, 'pg-boss run');
  await waitUntilZero(url, UNFINISHED);
  return performance.now() - t0;
}

export const pgBoss: QueueSystem = {
  id: 'pg-boss',
  settings: {
    tuned: { constructor: TUNED_BOSS, work: TUNED_WORK, queue: { notify: true } },
    default: {
      constructor: DEFAULT_BOSS,
      work: { batchSize: 1, ...DEFAULT_WORK },
      note: 'batch size 1 (default); at pure defaults it fetches one job per 2 s poll',
    },
  },

  async bulkEnqueue(url, n) {
    const boss = await startBoss(url, 'tuned');
    try {
      return await seed(
        boss,
        Array.from({ length: n }, (_, i) => ({ i })),
      );
    } finally {
      await boss.stop({ graceful: false });
    }
  },

  async drain(url, n, mode) {
    const boss = await startBoss(url, mode);
    try {
      await seed(
        boss,
        Array.from({ length: n }, (_, i) => ({ i })),
      );
      return await timeWork(url, boss, n, mode === 'tuned' ? TUNED_WORK : DEFAULT_WORK, async (jobs) =>
        probe.onJob(jobs.length),
      );
    } finally {
      await boss.stop({ graceful: false });
    }
  },

  async sleepRun(url, durations, concurrency) {
    const boss = await startBoss(url, 'tuned');
    try {
      await seed(
        boss,
        durations.map((ms) => ({ ms })),
      );
      // Several fetchers of 100 jobs each, every job of a batch run at once: `concurrency` in flight.
      const options = {
        batchSize: 100,
        localConcurrency: Math.max(1, Math.round(concurrency / 100)),
        burstWhenBatchFull: true,
        pollingIntervalSeconds: 0.5,
      };
      return await timeWork(url, boss, durations.length, options, async (jobs) => {
        await Promise.all(
          jobs.map(async (j) => {
            await sleep(j.data.ms);
            probe.onJob(1);
          }),
        );
      });
    } finally {
      await boss.stop({ graceful: false });
    }
  },

  async latency(url, samples) {
    const boss = await startBoss(url, 'tuned');
    try {
      await boss.work(QUEUE, { pollingIntervalSeconds: 0.5 }, async () => probe.onJob(1));
      await sleep(300);
      const out: number[] = [];
      for (let i = 0; i < samples; i++) {
        let t0 = 0;
        const started = new Promise<number>((r) => (probe.onJob = () => r(performance.now() - t0)));
        t0 = performance.now();
        await boss.send(QUEUE, {});
        out.push(await withTimeout(started, 10_000, 'pg-boss latency sample'));
        await sleep(20);
      }
      return out;
    } finally {
      await boss.stop({ graceful: false });
    }
  },
};
