import { perSecond, type Workload } from './workload.js';
import { drainFloor, insertFloor, measureDrainFloor, measureInsertFloor } from './pg-floor.workload.js';

export const bulkEnqueue: Workload = {
  figures: [{ id: 'bulk-enqueue', unit: 'jobs/s', higherIsBetter: true, title: 'bulk enqueue' }, insertFloor],
  systems: 'all',
  warmUp: true,
  floor: { id: insertFloor.id, measure: measureInsertFloor },
  measure: async (ctx, system) => {
    const ms = await ctx.onFreshDatabase((url) => system.bulkEnqueue(url, ctx.args.jobs));
    return { 'bulk-enqueue': perSecond(ctx.args.jobs, ms) };
  },
};

/** Ours with its defaults, the peers with their best settings. */
export const noopDrain: Workload = {
  figures: [
    { id: 'noop-drain', unit: 'jobs/s', higherIsBetter: true, title: 'no-op drain, one process (peers tuned)' },
    drainFloor,
  ],
  systems: 'all',
  warmUp: true,
  floor: { id: drainFloor.id, measure: measureDrainFloor },
  measure: async (ctx, system) => {
    const ms = await ctx.onFreshDatabase((url) => system.drain(url, ctx.args.jobs, 'tuned'));
    return { 'noop-drain': perSecond(ctx.args.jobs, ms) };
  },
};

/** Everyone with defaults. pg-boss and graphile-worker at defaults are slow, so they get fewer jobs. */
export const noopDrainDefault: Workload = {
  figures: [
    { id: 'noop-drain-default', unit: 'jobs/s', higherIsBetter: true, title: 'no-op drain, everyone at defaults' },
  ],
  systems: 'all',
  measure: async (ctx, system) => {
    const n = system.id === 'ours' ? ctx.args.jobs : Math.min(ctx.args.jobs, 5_000);
    const ms = await ctx.onFreshDatabase((url) => system.drain(url, n, 'default'));
    return { 'noop-drain-default': perSecond(n, ms) };
  },
};
