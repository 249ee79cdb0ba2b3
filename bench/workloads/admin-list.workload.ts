import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { JobsInspector, JobState, type JobListFilter } from '../../lib/index.js';
import { createOursApp } from '../ours/bench.app.js';
import { quantile } from '../stats.util.js';
import type { Workload } from './workload.js';

/**
 * A million finished jobs, 1% of them failed and all of those old (the first ids): the worst case
 * for walking the primary key down, which would read every completed row before the first failure.
 */
async function fillTable(url: string, finished: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = (state: string) => `
      INSERT INTO queue_job (name, queue, state, priority, input, output, error, attempt_log, attempts, max_attempts, run_after, created_at, started_at, finished_at)
      SELECT 'bench.noop', 'default', '${state}', 0, '{}', 'null',
        ${state === 'failed' ? `'{"name":"Error","message":"boom","stack":"Error: boom"}'` : 'NULL'},
        '[]', 1, 1, now() - interval '1 day', now() - interval '1 day', now() - interval '1 day', now() - interval '1 day'
      FROM generate_series(1, $1)`;
    const failed = Math.round(finished / 100);
    await c.query(rows('failed'), [failed]);
    await c.query(rows('completed'), [finished - failed]);
    await c.query('VACUUM ANALYZE queue_job');
  } finally {
    await c.end();
  }
}

/** Median latency (ms) of `listJobs(filter)` over `n` calls after two warm-up calls; checks the page is full. */
async function firstPage(inspector: JobsInspector, filter: JobListFilter, n = 30): Promise<number> {
  for (let i = 0; i < 2; i++) await inspector.listJobs(filter);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const page = await inspector.listJobs(filter);
    times.push(performance.now() - t0);
    if (page.jobs.length !== 50 || page.next === null)
      throw new Error(`expected a full first page, got ${page.jobs.length}`);
  }
  return quantile(times, 0.5);
}

/** Issue 12: the first page of failed jobs on 1,000,000 finished jobs, on PostgreSQL. */
const TARGET_MS = 50;

/**
 * Ours only, PostgreSQL: the operations console's first page (50 jobs, newest first) on a table of
 * 1,000,000 finished jobs (100,000 with --quick): failed jobs (the partial index
 * queue_job_ended_badly_idx), the same with that index dropped (what the index buys), and every job.
 */
export const adminList: Workload = {
  figures: [
    { id: 'admin-list', unit: 'ms', higherIsBetter: false, title: 'first page of failed jobs, 1M finished rows (p50)' },
    {
      id: 'admin-list-no-index',
      unit: 'ms',
      higherIsBetter: false,
      title: 'same, without queue_job_ended_badly_idx (p50)',
    },
    {
      id: 'admin-list-all',
      unit: 'ms',
      higherIsBetter: false,
      title: 'first page of all jobs, 1M finished rows (p50)',
    },
  ],
  systems: 'ours',
  measure: (ctx) =>
    ctx.onFreshDatabase(async (url) => {
      const rows = ctx.args.quick ? 100_000 : 1_000_000;
      const app = await createOursApp({ postgresUrl: url });
      try {
        await fillTable(url, rows);
        const inspector = app.app.get(JobsInspector);
        const failed = await firstPage(inspector, { state: JobState.Failed });
        const all = await firstPage(inspector, {});
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query('DROP INDEX queue_job_ended_badly_idx');
        await c.end();
        const noIndex = await firstPage(inspector, { state: JobState.Failed }, 5);
        // Issue 12's target, on one line each run: the first page of failed jobs among 1,000,000
        // finished ones in under 50 ms (a --quick run has a tenth of the rows, so it proves nothing).
        const verdict = rows < 1_000_000 ? 'not judged: fewer rows' : failed < TARGET_MS ? 'met' : 'MISSED';
        console.log(
          `admin-list: first page of failed jobs among ${rows.toLocaleString('en-US')} finished: ` +
            `p50 ${failed.toFixed(1)} ms, target < ${TARGET_MS} ms: ${verdict} ` +
            `[all jobs ${all.toFixed(1)} ms, without the index ${noIndex.toFixed(1)} ms]`,
        );
        return { 'admin-list': failed, 'admin-list-no-index': noIndex, 'admin-list-all': all };
      } finally {
        await app.close();
      }
    }),
};
