import { quantile } from '../stats.util.js';
import type { Workload } from './workload.js';

/** Enqueue-to-start latency with an idle worker: one job at a time, p50 and p99 of the samples. */
export const latency: Workload = {
  figures: [
    { id: 'latency-p50', unit: 'ms', higherIsBetter: false, title: 'enqueue-to-start latency p50, idle worker' },
    { id: 'latency-p99', unit: 'ms', higherIsBetter: false, title: 'enqueue-to-start latency p99, idle worker' },
  ],
  systems: 'all',
  measure: async (ctx, system) => {
    const samples = await ctx.onFreshDatabase((url) => system.latency(url, ctx.args.quick ? 60 : 200));
    return { 'latency-p50': quantile(samples, 0.5), 'latency-p99': quantile(samples, 0.99) };
  },
};
