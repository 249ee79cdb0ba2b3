/**
 * Compile-time test of typed pipelines (README "Pipelines"): with JobTypes declared,
 * `pipeline().step()` checks job names, step keys named in `after`, explicit inputs, and that what a
 * step's dependencies produce is what its job takes when the step has no explicit input. Every
 * `@ts-expect-error` line must be an error (or tsc reports the directive as unused); every other line
 * must compile. Only type-checked, by `tsc -p test/types/tsconfig.json` (test/e2e/typing.spec.ts).
 */
import { DependencyPolicy, pipeline, type JobQueue } from '../../lib/index.js';

declare module '../../lib/index.js' {
  interface JobTypes {
    'pl.fetch': { input: { month: string }; output: { rows: number[] } };
    'pl.sum': { input: { rows: number[] }; output: { total: number } };
    'pl.chart': { input: { rows: number[] }; output: { url: string } };
    'pl.render': { input: { totals: { total: number }; charts: { url: string } }; output: { pdf: string } };
    'pl.notify': { input: { pdf: string } | null; output: void };
    'pl.cleanup': { input: null; output: void };
    'pl.archive': { input: { pdf: string }; output: void };
  }
}

declare const queue: JobQueue;

export async function typedPipelines() {
  // A chain: fetch's output { rows } is sum's input; sum's output is not chart's input.
  pipeline('ok')
    .step('fetch', 'pl.fetch', { input: { month: '2026-11' } })
    .step('totals', 'pl.sum', { after: 'fetch' })
    .step('charts', 'pl.chart', { after: ['fetch'], priority: 5 })
    // Fan-in: the input is the outputs keyed by step, and matches render's declared input.
    .step('render', 'pl.render', { after: ['totals', 'charts'] })
    .step('notify', 'pl.notify', { after: { render: DependencyPolicy.Run } })
    // A job whose input is null needs none at the root.
    .step('cleanup', 'pl.cleanup');

  // An explicit input replaces what the dependencies produce, and is checked against the job.
  pipeline()
    .step('fetch', 'pl.fetch', { input: { month: 'x' } })
    .step('charts', 'pl.chart', { after: 'fetch', input: { rows: [1] } });

  pipeline()
    .step('fetch', 'pl.fetch', { input: { month: '2026-11' } })
    // @ts-expect-error the dependency's output { rows } is not render's input, and no input is given
    .step('render', 'pl.render', { after: 'fetch' });

  pipeline()
    .step('fetch', 'pl.fetch', { input: { month: '2026-11' } })
    .step('totals', 'pl.sum', { after: 'fetch' })
    // @ts-expect-error fan-in keyed { fetch, totals } is not render's { totals, charts }
    .step('render', 'pl.render', { after: ['fetch', 'totals'] });

  pipeline()
    .step('totals', 'pl.sum', { input: { rows: [1] } })
    // @ts-expect-error one dependency: its output { total } is the input, not { rows }
    .step('charts', 'pl.chart', { after: { totals: DependencyPolicy.Skip } });

  pipeline()
    .step('fetch', 'pl.fetch', { input: { month: '2026-11' } })
    // @ts-expect-error 'fecth' is not a step declared before
    .step('totals', 'pl.sum', { after: 'fecth' });

  // @ts-expect-error unknown job name
  pipeline().step('fetch', 'pl.fetc', { input: { month: 'x' } });

  // @ts-expect-error the explicit input has the wrong type
  pipeline().step('fetch', 'pl.fetch', { input: { month: 11 } });

  // @ts-expect-error a root step of a job that takes an input needs one
  pipeline().step('fetch', 'pl.fetch');

  // @ts-expect-error a step option of the wrong type
  pipeline().step('fetch', 'pl.fetch', { input: { month: 'x' }, priority: 'high' });

  pipeline()
    .step('render', 'pl.render', { input: { totals: { total: 1 }, charts: { url: 'u' } } })
    // @ts-expect-error policy 'run': render may have failed, so the input may be null, which archive does not take
    .step('archive', 'pl.archive', { after: { render: DependencyPolicy.Run } })
    .step('archive2', 'pl.archive', { after: { render: DependencyPolicy.Skip } }) // skip/fail: it only runs after a success
    .step('cleanup2', 'pl.cleanup', { after: { render: 'run' }, input: null });

  pipeline()
    .step('fetch', 'pl.fetch', { input: { month: 'x' } })
    // @ts-expect-error 'fecth' is not a step declared before (policy form)
    .step('totals', 'pl.sum', { after: { fecth: 'run' } });

  pipeline()
    .step('fetch', 'pl.fetch', { input: { month: 'x' } })
    // @ts-expect-error not a failure policy
    .step('totals', 'pl.sum', { after: { fetch: 'maybe' } });

  return queue.enqueuePipeline(pipeline().step('fetch', 'pl.fetch', { input: { month: '2026-11' } }));
}
