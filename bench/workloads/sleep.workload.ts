import { sleepDurations } from '../drain.util.js';
import { greedyBound } from './greedy-bound.util.js';
import type { BenchContext, Workload } from './workload.js';

const CONCURRENCY = 500;
const jobs = (ctx: BenchContext) => (ctx.args.quick ? 2_000 : 10_000);

/**
 * 10,000 jobs sleeping 10-100 ms at concurrency 500; ideal: total sleep / concurrency; bound: the
 * greedy in-order schedule of these durations on 500 slots (1,164 ms for 10,000 jobs, 5.8% over ideal).
 */
export const sleepJobs: Workload = {
  figures: [
    {
      id: 'sleep-10-100ms-c500',
      unit: 'ms',
      higherIsBetter: false,
      title: 'jobs sleeping 10-100 ms at concurrency 500 (wall time)',
    },
  ],
  systems: 'all',
  ideal: (ctx) => sleepDurations(jobs(ctx)).reduce((a, b) => a + b, 0) / CONCURRENCY,
  bound: (ctx) => greedyBound(sleepDurations(jobs(ctx)), CONCURRENCY),
  measure: async (ctx, system) => {
    const ms = await ctx.onFreshDatabase((url) => system.sleepRun(url, sleepDurations(jobs(ctx)), CONCURRENCY));
    return { 'sleep-10-100ms-c500': ms };
  },
};
