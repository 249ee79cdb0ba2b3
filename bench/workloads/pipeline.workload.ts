import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { pipeline } from '../../lib/index.js';
import { timeDrain } from '../adapters/ours.adapter.js';
import { enqueueAll } from '../ours/bench.app.js';
import { perSecond, type Workload } from './workload.js';

/** Issue 3's acceptance: 1,000 pipelines of 5 steps. */
const PIPELINES = 1_000;
const STEPS = 5;

/**
 * Each pipeline: `a -> b -> (c, d) -> e`, a chain, a fan-out and a fan-in (5 steps, 5 edges), every
 * step the no-op handler, each input built from its dependencies' outputs.
 */
function fivesteps(i: number) {
  return pipeline(`bench-${i}`)
    .step('a', 'bench.noop', { input: { i } })
    .step('b', 'bench.noop', { after: 'a' })
    .step('c', 'bench.noop', { after: 'b' })
    .step('d', 'bench.noop', { after: 'b' })
    .step('e', 'bench.noop', { after: ['c', 'd'] });
}

/** Steps not completed, read from the database: a run counts only when its results are written. */
async function unfinished(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM queue_job WHERE state <> 'completed'`);
    return Number(rows[0]!.n);
  } finally {
    await c.end();
  }
}

/** `timeDrain`, then a check that every job it stored completed (steps that ended otherwise would flatter the figure). */
async function drainAllCompleted(url: string, n: number, seed: Parameters<typeof timeDrain>[2]): Promise<number> {
  const ms = await timeDrain({ postgresUrl: url }, n, seed);
  const left = await unfinished(url);
  if (left !== 0) throw new Error(`${left} jobs not completed after the drain`);
  return ms;
}

/**
 * Ours only: the cost of the dependency machinery. 1,000 pipelines of 5 no-op steps against the
 * same number of plain no-op jobs (5,000), both drained by one consumer with every default; the
 * ratio is pipeline steps/s over plain jobs/s. Enqueueing is not timed (one transaction per
 * pipeline; printed for information).
 */
export const pipelineSteps: Workload = {
  figures: [
    {
      id: 'pipeline-steps',
      unit: 'jobs/s',
      higherIsBetter: true,
      title: `pipeline steps drained (${PIPELINES} pipelines of ${STEPS} steps, defaults)`,
    },
    {
      id: 'pipeline-plain-jobs',
      unit: 'jobs/s',
      higherIsBetter: true,
      title: `plain jobs drained (${PIPELINES * STEPS}, same consumer)`,
    },
    { id: 'pipeline-ratio', unit: 'ratio', higherIsBetter: true, title: 'pipeline steps/s over plain jobs/s' },
  ],
  systems: 'ours',
  measure: async (ctx) => {
    const n = PIPELINES * STEPS;
    const stepsMs = await ctx.onFreshDatabase((url) =>
      drainAllCompleted(url, n, async (o) => {
        const t0 = performance.now();
        for (let i = 0; i < PIPELINES; i++) await o.queue.enqueuePipeline(fivesteps(i));
        const ms = performance.now() - t0;
        process.stderr.write(
          `    (enqueued ${PIPELINES} pipelines in ${(ms / 1000).toFixed(1)} s: ${Math.round(perSecond(PIPELINES, ms))} pipelines/s)\n`,
        );
      }),
    );
    const plainMs = await ctx.onFreshDatabase((url) =>
      drainAllCompleted(url, n, (o) =>
        enqueueAll(
          o.queue,
          'bench.noop',
          Array.from({ length: n }, (_, i) => ({ i })),
        ),
      ),
    );
    const steps = perSecond(n, stepsMs);
    const plain = perSecond(n, plainMs);
    return { 'pipeline-steps': steps, 'pipeline-plain-jobs': plain, 'pipeline-ratio': steps / plain };
  },
};
