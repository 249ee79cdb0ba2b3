/** pipeline() and chain(): the definitions they build, and duplicate step keys refused at once. */
import { InvalidPipelineError } from '../../../lib/errors/invalid-pipeline.error.js';
import { DependencyPolicy } from '../../../lib/interfaces/job-state.js';
import { chain, pipeline } from '../../../lib/pipeline/pipeline.builder.js';

describe('pipeline()', () => {
  it('builds the definition the steps describe: name, workspace, inputs, after and options', () => {
    const def = pipeline('report')
      .step('fetch', 'report.fetch', { input: { day: 1 }, priority: 5 })
      .step('render', 'report.render', { after: 'fetch' })
      .step('send', 'report.send', { after: { render: DependencyPolicy.Skip } })
      .workspace({ pages: 0 })
      .build();
    expect(def).toStrictEqual({
      name: 'report',
      workspace: { pages: 0 },
      steps: {
        fetch: { job: 'report.fetch', input: { day: 1 }, priority: 5 },
        render: { job: 'report.render', after: 'fetch' },
        send: { job: 'report.send', after: { render: 'skip' } },
      },
    });
  });

  it('gives each build() its own steps: a step added later does not change an earlier definition', () => {
    const builder = pipeline().step('a', 'x');
    const first = builder.build();
    builder.step('b', 'y');
    expect(Object.keys(first.steps)).toEqual(['a']);
    expect(Object.keys(builder.build().steps)).toEqual(['a', 'b']);
  });

  it('refuses a duplicate step key, naming the key and the pipeline', () => {
    expect(() => pipeline('dup').step('a', 'x').step('a', 'y')).toThrow(
      new InvalidPipelineError("Step 'a' is declared twice in pipeline 'dup'; step keys must be unique."),
    );
    expect(() => pipeline().step('a', 'x').step('a', 'y')).toThrow(
      new InvalidPipelineError("Step 'a' is declared twice in pipeline; step keys must be unique."),
    );
  });
});

describe('chain()', () => {
  it('links each step to the one before, keyed 0, 1, ..., leaving out the inputs and after not given', () => {
    expect(chain([{ job: 'a', input: { v: 1 } }, { job: 'b' }, { job: 'c' }], 'abc')).toStrictEqual({
      name: 'abc',
      steps: {
        '0': { job: 'a', input: { v: 1 } },
        '1': { job: 'b', after: '0' },
        '2': { job: 'c', after: '1' },
      },
    });
  });

  it('uses the keys given, and keeps an explicit input on a later step', () => {
    const def = chain([
      { job: 'a', key: 'first' },
      { job: 'b', key: 'second', input: null },
    ]);
    expect(def.steps).toStrictEqual({ first: { job: 'a' }, second: { job: 'b', input: null, after: 'first' } });
  });

  it('refuses a key used twice, given or generated', () => {
    expect(() =>
      chain([
        { job: 'a', key: 'x' },
        { job: 'b', key: 'x' },
      ]),
    ).toThrow(new InvalidPipelineError("chain(): step key 'x' is used twice; step keys must be unique."));
    expect(() => chain([{ job: 'a' }, { job: 'b', key: '0' }])).toThrow(InvalidPipelineError);
  });
});
