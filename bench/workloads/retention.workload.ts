import pg from 'pg';
import type { JobsModuleOptions } from '../../lib/index.js';
import { timeDrain } from '../adapters/ours.adapter.js';
import { enqueueAll } from '../ours/bench.app.js';
import { perSecond, type Workload } from './workload.js';

/** `n` completed plain jobs, finished an hour ago, as a queue that has run for a while has them. */
async function fillFinished(url: string, n: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(
      `INSERT INTO queue_job (name, queue, state, priority, input, output, attempt_log, attempts, max_attempts, run_after, created_at, started_at, finished_at)
       SELECT 'bench.noop', 'default', 'completed', 0, '{}', 'null', '[]', 1, 3, now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour' + i * interval '1 microsecond'
       FROM generate_series(1, $1) AS i`,
      [n],
    );
    await c.query('VACUUM ANALYZE queue_job');
  } finally {
    await c.end();
  }
}

async function countCompleted(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query(`SELECT count(*) AS n FROM queue_job WHERE state = 'completed'`)).rows[0].n);
  } finally {
    await c.end();
  }
}

/**
 * Ours only (not in `npm test`): a table holding 1,000,000 completed jobs (100,000 with --quick) and
 * retention keeping the last that many (`completed: { maxCount }`, a round a second), then a no-op
 * drain of 200,000 jobs (--jobs if more; --quick: --jobs); the same with retention off. Figures: the drain rate with retention on over
 * off, each rate, and the completed rows left when the drain ends over the configured size (1.0:
 * retention kept up; the drain's last second of completions may still be there).
 */
export const retentionDrain: Workload = {
  figures: [
    {
      id: 'retention-drain',
      unit: 'ratio',
      higherIsBetter: true,
      title: 'no-op drain over 1M finished jobs: retention on / off',
    },
    {
      id: 'retention-drain-on',
      unit: 'jobs/s',
      higherIsBetter: true,
      title: 'no-op drain over 1M finished jobs, retention on (maxCount 1M)',
    },
    {
      id: 'retention-drain-off',
      unit: 'jobs/s',
      higherIsBetter: true,
      title: 'no-op drain over 1M finished jobs, retention off',
    },
    {
      id: 'retention-table-size',
      unit: 'ratio',
      higherIsBetter: false,
      title: 'completed rows after the drain / maxCount (retention on)',
    },
  ],
  systems: 'ours',
  measure: async (ctx) => {
    const size = ctx.args.quick ? 100_000 : 1_000_000;
    // Long enough for several rounds of retention (a round a second) while the drain runs.
    const n = ctx.args.quick ? ctx.args.jobs : Math.max(ctx.args.jobs, 200_000);
    const drain = (jobs: JobsModuleOptions) =>
      ctx.onFreshDatabase(async (url) => {
        const ms = await timeDrain(
          { postgresUrl: url },
          n,
          async (o) => {
            await fillFinished(url, size);
            await enqueueAll(
              o.queue,
              'bench.noop',
              Array.from({ length: n }, (_, i) => ({ i })),
            );
          },
          jobs,
        );
        return { rate: perSecond(n, ms), completed: await countCompleted(url) };
      });
    const off = await drain({ retention: false });
    const on = await drain({ retention: { completed: { maxCount: size }, intervalMs: 1_000 } });
    // Both figures the target names, on one line each run (the table shows them too).
    console.log(
      `retention-drain: drain rate with retention on / off = ${(on.rate / off.rate).toFixed(3)} (target >= 0.9); ` +
        `completed rows after the drain / maxCount = ${(on.completed / size).toFixed(3)} (target 1.0) ` +
        `[on ${Math.round(on.rate)} jobs/s, off ${Math.round(off.rate)} jobs/s, ${on.completed} rows for maxCount ${size}]`,
    );
    return {
      'retention-drain': on.rate / off.rate,
      'retention-drain-on': on.rate,
      'retention-drain-off': off.rate,
      'retention-table-size': on.completed / size,
    };
  },
};
