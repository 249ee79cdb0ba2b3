import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Workload } from './workload.js';

const child = fileURLToPath(new URL('../ours/rss.child.js', import.meta.url));

/** Ours only: peak RSS of a consumer process running 1,000 jobs at once. */
export const consumerRss: Workload = {
  figures: [
    {
      id: 'consumer-rss-c1000',
      unit: 'MB',
      higherIsBetter: false,
      title: 'consumer RSS at concurrency 1,000 (ours only)',
    },
  ],
  systems: 'ours',
  measure: (ctx) =>
    ctx.onFreshDatabase(async (url) => {
      const { stdout } = await promisify(execFile)(process.execPath, [child], {
        env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_JOBS: String(ctx.args.quick ? 3_000 : 10_000) },
        timeout: 300_000,
      });
      return { 'consumer-rss-c1000': (JSON.parse(stdout.trim().split('\n').pop()!) as { rssMb: number }).rssMb };
    }),
};
