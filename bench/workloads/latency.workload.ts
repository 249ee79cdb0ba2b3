import { quantile } from '../stats.util.js';
import type { Workload } from './workload.js';

/**
 * Samples per repetition and system. Each waits 20 ms after its job started, so 500 take about
 * 12 s. The p99 of 500 samples is their fifth worst. With 200 it was the second worst, and one
 * slow WAL flush (an enqueue's commit, shared by every system) decided it: on 2026-12-01, ours
 * went from 0.62x to 1.22x graphile-worker's between two runs whose p50 ratios barely moved.
 */
export const LATENCY_SAMPLES = 500;

/** Enqueue-to-start latency with an idle worker: one job at a time, p50 and p99 of the samples. */
export const latency: Workload = {
  figures: [
    { id: 'latency-p50', unit: 'ms', higherIsBetter: false, title: 'enqueue-to-start latency p50, idle worker' },
    { id: 'latency-p99', unit: 'ms', higherIsBetter: false, title: 'enqueue-to-start latency p99, idle worker' },
  ],
  systems: 'all',
  measure: async (ctx, system) => {
    const samples = await ctx.onFreshDatabase((url) => system.latency(url, ctx.args.quick ? 60 : LATENCY_SAMPLES));
    return { 'latency-p50': quantile(samples, 0.5), 'latency-p99': quantile(samples, 0.99) };
  },
};
