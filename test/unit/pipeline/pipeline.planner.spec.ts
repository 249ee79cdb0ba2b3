/**
 * planPipeline: checks a definition and orders its steps after their dependencies, with each
 * dependency's failure policy; every refusal is InvalidPipelineError saying which step and why.
 */
import { InvalidJobInputError } from '../../../lib/errors/invalid-input.error.js';
import { InvalidPipelineError } from '../../../lib/errors/invalid-pipeline.error.js';
import { DependencyPolicy } from '../../../lib/interfaces/job-state.js';
import { planPipeline, wrapStepError } from '../../../lib/pipeline/pipeline.planner.js';
import type { PipelineDefinition } from '../../../lib/pipeline/pipeline.types.js';

const JOBS = new Set(['fetch', 'render', 'send']);
const hasJob = (name: string) => JOBS.has(name);

function plan(def: PipelineDefinition, maxSteps = 100) {
  return planPipeline(def, hasJob, maxSteps);
}

function refusal(def: unknown, maxSteps = 100): Error {
  try {
    plan(def as PipelineDefinition, maxSteps);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidPipelineError);
    return err as Error;
  }
  throw new Error('expected planPipeline to refuse the definition');
}

describe('planPipeline', () => {
  it('orders steps after their dependencies, whatever order they are declared in', () => {
    const order = plan({
      steps: {
        send: { job: 'send', after: ['render', 'audit'] },
        render: { job: 'render', after: 'fetch' },
        audit: { job: 'fetch', after: 'fetch' },
        fetch: { job: 'fetch', input: { day: 1 } },
      },
    }).map((p) => p.key);
    expect(order[0]).toBe('fetch');
    expect(order.indexOf('render')).toBeLessThan(order.indexOf('send'));
    expect(order.indexOf('audit')).toBeLessThan(order.indexOf('send'));
    expect(order).toHaveLength(4);
  });

  it("reads 'after' as a key, a list of keys, or keys with policies; a key or list means policy fail", () => {
    const steps = plan({
      steps: {
        a: { job: 'fetch' },
        b: { job: 'fetch' },
        one: { job: 'render', after: 'a' },
        list: { job: 'render', after: ['a', 'b'] },
        policies: { job: 'send', after: { a: DependencyPolicy.Skip, b: DependencyPolicy.Run } },
        unset: { job: 'send', after: { a: undefined } },
      },
    });
    const deps = Object.fromEntries(steps.map((p) => [p.key, p.deps]));
    expect(deps.a).toEqual([]);
    expect(deps.one).toEqual([{ key: 'a', policy: 'fail' }]);
    expect(deps.list).toEqual([
      { key: 'a', policy: 'fail' },
      { key: 'b', policy: 'fail' },
    ]);
    expect(deps.policies).toEqual([
      { key: 'a', policy: 'skip' },
      { key: 'b', policy: 'run' },
    ]);
    expect(deps.unset).toEqual([{ key: 'a', policy: 'fail' }]);
  });

  it('keeps each step as given, input and options included', () => {
    const step = { job: 'fetch', input: { day: 1 }, priority: 5, maxAttempts: 2 };
    expect(plan({ steps: { a: step } })[0]!.step).toBe(step);
  });

  it.each([
    [
      'an unknown dependency',
      { steps: { a: { job: 'fetch' }, b: { job: 'fetch', after: 'nope' } } },
      "Step 'b' depends on 'nope', which is not a step of this pipeline. Steps: a, b.",
    ],
    ['a step depending on itself', { steps: { a: { job: 'fetch', after: 'a' } } }, "Step 'a' depends on itself."],
    [
      'a dependency listed twice',
      { steps: { a: { job: 'fetch' }, b: { job: 'fetch', after: ['a', 'a'] } } },
      "Step 'b' lists 'a' twice in 'after'.",
    ],
    [
      'a bad policy',
      { steps: { a: { job: 'fetch' }, b: { job: 'fetch', after: { a: 'maybe' } } } },
      "Step 'b': policy 'maybe' for 'a' must be one of fail, skip, run.",
    ],
    [
      'a dependency that is not a key',
      { steps: { a: { job: 'fetch' }, b: { job: 'fetch', after: [1] } } },
      "Step 'b': 'after' must name steps by their keys.",
    ],
    [
      'a job with no handler',
      { steps: { a: { job: 'no.such' } } },
      "Step 'a' runs job 'no.such', which has no @Job() handler",
    ],
    ['a step without a job', { steps: { a: { input: 1 } } }, "Step 'a' needs a 'job' naming a @Job() handler."],
    ['a null step', { steps: { a: null } }, "Step 'a' needs a 'job'"],
    [
      'an unknown field',
      { steps: { a: { job: 'fetch', uniqueKey: 'k', prority: 1 } } },
      "Step 'a' has unknown field(s) uniqueKey, prority; a step takes job, input, after,",
    ],
    ['an empty key', { steps: { '': { job: 'fetch' } } }, "Step key '' must be 1 to 128 characters."],
    ['a key over 128 characters', { steps: { ['k'.repeat(129)]: { job: 'fetch' } } }, 'must be 1 to 128 characters'],
    ['no steps', { steps: {} }, 'A pipeline needs at least one step.'],
    ['no definition', null, 'A pipeline needs { steps: { key: { job, input?, after? } } }'],
    ['steps that are not an object', { steps: 'a' }, 'A pipeline needs { steps:'],
    [
      'an after that is a number',
      { steps: { a: { job: 'fetch' }, b: { job: 'fetch', after: 5 } } },
      "Step 'b': 'after' must be a step key, an array of keys, or an object of keys to policies; got number.",
    ],
    [
      'an after that is a boolean',
      { steps: { a: { job: 'fetch' }, b: { job: 'fetch', after: true } } },
      "Step 'b': 'after' must be a step key",
    ],
  ])('refuses %s', (_what, def, message) => {
    expect(refusal(def).message).toContain(message);
  });

  it('refuses more steps than the limit, naming the option that sets it', () => {
    const steps = Object.fromEntries(['a', 'b', 'c'].map((k) => [k, { job: 'fetch' }]));
    expect(() => plan({ steps }, 3)).not.toThrow();
    expect(refusal({ steps }, 2).message).toBe('A pipeline has 3 steps; the limit is 2 (option maxBatchSize).');
  });

  it('refuses a cycle, naming the steps on it', () => {
    const err = refusal({
      steps: {
        start: { job: 'fetch' },
        a: { job: 'fetch', after: ['start', 'c'] },
        b: { job: 'fetch', after: 'a' },
        c: { job: 'fetch', after: 'b' },
      },
    });
    expect(err.message).toBe(
      'The pipeline has a cycle through steps: a, b, c. A step cannot wait for itself, even through other steps.',
    );
  });
});

describe('planPipeline cycles', () => {
  it('names only the steps on the cycle, not those that wait for it', () => {
    const err = refusal({
      steps: {
        a: { job: 'fetch', after: 'b' },
        b: { job: 'fetch', after: 'a' },
        c: { job: 'fetch', after: 'a' },
        d: { job: 'fetch', after: 'c' },
      },
    });
    expect(err.message).toBe(
      'The pipeline has a cycle through steps: a, b. A step cannot wait for itself, even through other steps.',
    );
  });
});

describe('wrapStepError', () => {
  it('wraps a library error in InvalidPipelineError naming the step, with the original as cause', () => {
    const cause = new InvalidJobInputError('Input of job x is not valid');
    let err: unknown;
    try {
      wrapStepError('render', cause);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidPipelineError);
    expect((err as Error).message).toBe("Step 'render': Input of job x is not valid");
    expect((err as Error).cause).toBe(cause);
  });

  it('rethrows an InvalidPipelineError or a foreign error as it is', () => {
    const own = new InvalidPipelineError('already about a step');
    const foreign = new TypeError('a bug');
    expect(() => wrapStepError('a', own)).toThrow(own);
    expect(() => wrapStepError('a', foreign)).toThrow(foreign);
  });
});
