import { drainOurs, latencyOurs } from '../adapters/ours.adapter.js';
import { LATENCY_SAMPLES } from './latency.workload.js';
import { createBenchMariadb } from '../mariadb.server.js';
import { quantile } from '../stats.util.js';
import { perSecond, type Workload } from './workload.js';

/** Runs `fn` on a fresh database on the MariaDB server (MARIADB_URL, default the local one), dropped afterwards. */
async function onFreshMariadb<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const db = await createBenchMariadb('jobs_bench');
  try {
    return await fn(db.url);
  } finally {
    await db.drop();
  }
}

/** Ours only: `sqlite-noop-drain`'s sibling on MariaDB (a fresh database), defaults. */
export const mariadbDrain: Workload = {
  figures: [
    { id: 'mariadb-noop-drain', unit: 'jobs/s', higherIsBetter: true, title: 'no-op drain on MariaDB (ours only)' },
  ],
  systems: 'ours',
  measure: (ctx) =>
    onFreshMariadb(async (url) => ({
      'mariadb-noop-drain': perSecond(ctx.args.jobs, await drainOurs({ mariadbUrl: url }, ctx.args.jobs)),
    })),
};

/**
 * Ours only: `latency-p50`/`-p99` on MariaDB. The producer and the consumer share a process, as in
 * the PostgreSQL figure; MariaDB has no notifications, so a consumer in another process would find
 * the job at its next poll instead (`pollIntervalMs`, default 1000).
 */
export const mariadbLatency: Workload = {
  figures: [
    {
      id: 'mariadb-latency-p50',
      unit: 'ms',
      higherIsBetter: false,
      title: 'enqueue-to-start latency p50 on MariaDB, idle worker, same process',
    },
    {
      id: 'mariadb-latency-p99',
      unit: 'ms',
      higherIsBetter: false,
      title: 'enqueue-to-start latency p99 on MariaDB, idle worker, same process',
    },
  ],
  systems: 'ours',
  measure: (ctx) =>
    onFreshMariadb(async (url) => {
      const samples = await latencyOurs({ mariadbUrl: url }, ctx.args.quick ? 60 : LATENCY_SAMPLES);
      return { 'mariadb-latency-p50': quantile(samples, 0.5), 'mariadb-latency-p99': quantile(samples, 0.99) };
    }),
};
