import pg from 'pg';
import { drainOurs } from '../adapters/ours.adapter.js';
import type { Workload } from './workload.js';

/** Finished and future-scheduled rows beside the due ones, as a long-running queue has them. */
async function fillTable(url: string, finished: number, future: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const row = (state: string, runAfter: string, finishedAt: string) => `
      INSERT INTO queue_job (name, queue, state, priority, input, output, attempt_log, attempts, max_attempts, run_after, created_at, started_at, finished_at)
      SELECT 'bench.noop', 'default', '${state}', 0, '{}', 'null', '[]', 1, 3, ${runAfter}, now() - interval '1 day', now() - interval '1 day', ${finishedAt}
      FROM generate_series(1, $1)`;
    await c.query(row('completed', `now() - interval '1 day'`, `now() - interval '1 day'`), [finished]);
    await c.query(row('pending', `now() + interval '1 day'`, 'NULL'), [future]);
    await c.query('VACUUM ANALYZE queue_job');
  } finally {
    await c.end();
  }
}

/** Ours only: no-op drain rate with 1,000,000 finished and 100,000 future jobs in the table, over the rate on an empty table. */
export const largeTable: Workload = {
  figures: [
    {
      id: 'claim-large-table',
      unit: 'ratio',
      higherIsBetter: true,
      title: 'no-op drain with 1M finished + 100k future rows / empty table',
    },
  ],
  systems: 'ours',
  measure: async (ctx) => {
    const [finished, future] = ctx.args.quick ? [100_000, 10_000] : [1_000_000, 100_000];
    const empty = await ctx.onFreshDatabase((url) => drainOurs({ postgresUrl: url }, ctx.args.jobs));
    const large = await ctx.onFreshDatabase((url) =>
      drainOurs({ postgresUrl: url }, ctx.args.jobs, () => fillTable(url, finished, future)),
    );
    return { 'claim-large-table': empty / large };
  },
};
