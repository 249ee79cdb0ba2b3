import {
  chain,
  InvalidJobInputError,
  InvalidJobOptionsError,
  InvalidPipelineError,
  NonJsonValueError,
  pipeline,
  type PipelineDefinition,
} from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { PipelineJobs } from '../fixtures/pipeline-jobs.js';

/** Every invalid pipeline is refused with a clear error before anything is written. */
describe.each(DB_KINDS)('invalid pipelines on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options, { providers: [PipelineJobs] });
  });

  afterAll(async () => {
    await t.close();
    await db.drop();
  });

  const rows = async () => {
    const n = async (table: string) =>
      Number((await t.orm.em.fork().getConnection().execute(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    return { pipelines: await n('queue_pipeline'), jobs: await n('queue_job'), edges: await n('queue_job_dependency') };
  };
  const nothing = { pipelines: 0, jobs: 0, edges: 0 };

  /** Enqueues `def`, expects `Err` with a message matching `message`, and checks nothing was written. */
  async function refused(
    def: PipelineDefinition | ReturnType<typeof pipeline>,
    Err: new (...a: any[]) => Error,
    message: RegExp,
  ) {
    const err = await t.queue.enqueuePipeline(def as PipelineDefinition).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Err);
    expect((err as Error).message).toMatch(message);
    expect(await rows()).toEqual(nothing);
    return err as Error;
  }

  it('an unknown dependency step', async () => {
    await refused(
      { steps: { a: { job: 'pipe.inc', input: { v: 1 } }, b: { job: 'pipe.inc', after: 'nope' } } },
      InvalidPipelineError,
      /Step 'b' depends on 'nope', which is not a step of this pipeline\. Steps: a, b/,
    );
  });

  it('a cycle (and a step depending on itself)', async () => {
    await refused(
      {
        steps: {
          start: { job: 'pipe.inc', input: { v: 1 } },
          a: { job: 'pipe.inc', after: ['start', 'c'] },
          b: { job: 'pipe.inc', after: 'a' },
          c: { job: 'pipe.inc', after: 'b' },
        },
      },
      InvalidPipelineError,
      /cycle through steps: a, b, c/,
    );
    await refused({ steps: { a: { job: 'pipe.inc', after: 'a' } } }, InvalidPipelineError, /depends on itself/);
  });

  it('a job name without a handler', async () => {
    await refused(
      pipeline()
        .step('a', 'pipe.inc', { input: { v: 1 } })
        .step('b', 'no.such.job', { after: 'a' }),
      InvalidPipelineError,
      /Step 'b' runs job 'no\.such\.job', which has no @Job\(\) handler/,
    );
  });

  it("a step's input that fails its DTO", async () => {
    const err = await refused(
      pipeline()
        .step('a', 'pipe.inc', { input: { v: 1 } })
        .step('b', 'pipe.incDto', { input: { v: 'x' } }),
      InvalidPipelineError,
      /Step 'b': Input of job 'pipe\.incDto' is not a valid CountInput: .*v must be an integer/,
    );
    expect(err.cause).toBeInstanceOf(InvalidJobInputError);
  });

  it('a duplicate step key', async () => {
    expect(() =>
      pipeline('dup')
        .step('a', 'pipe.inc', { input: { v: 1 } })
        .step('a', 'pipe.cpu'),
    ).toThrow(new InvalidPipelineError("Step 'a' is declared twice in pipeline 'dup'; step keys must be unique."));
    expect(() =>
      chain([
        { job: 'pipe.inc', key: 'x' },
        { job: 'pipe.inc', key: 'x' },
      ]),
    ).toThrow(InvalidPipelineError);
    expect(await rows()).toEqual(nothing);
  });

  it('a non-JSON input or workspace', async () => {
    const err = await refused(
      pipeline().step('a', 'pipe.cpu', { input: { when: new Date() } }),
      InvalidPipelineError,
      /Step 'a': Input of job 'pipe\.cpu'\.when is a Date/,
    );
    expect(err.cause).toBeInstanceOf(NonJsonValueError);
    await refused(pipeline().step('a', 'pipe.cpu', { input: { n: 10n } as any }), InvalidPipelineError, /BigInt/);
    await refused(
      pipeline()
        .step('a', 'pipe.cpu', { input: 1 })
        .workspace({ f: () => 1 } as any),
      NonJsonValueError,
      /function/,
    );
    await refused(
      { workspace: [1] as any, steps: { a: { job: 'pipe.cpu' } } },
      InvalidPipelineError,
      /workspace must be a JSON object/,
    );
  });

  it('bad step options, unknown step fields, a bad policy, an empty pipeline', async () => {
    const err = await refused(
      pipeline().step('a', 'pipe.cpu', { priority: 1.5 }),
      InvalidPipelineError,
      /Step 'a': .*priority/,
    );
    expect(err.cause).toBeInstanceOf(InvalidJobOptionsError);
    await refused(
      { steps: { a: { job: 'pipe.cpu', uniqueKey: 'k' } as any } },
      InvalidPipelineError,
      /unknown field\(s\) uniqueKey/,
    );
    await refused(
      { steps: { a: { job: 'pipe.cpu' }, b: { job: 'pipe.cpu', after: { a: 'maybe' as any } } } },
      InvalidPipelineError,
      /policy 'maybe' for 'a' must be one of fail, skip, run/,
    );
    await refused({ steps: {} }, InvalidPipelineError, /at least one step/);
    await refused(null as any, InvalidPipelineError, /needs \{ steps/);
  });

  it('a valid pipeline after all these is written whole', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline()
        .step('a', 'pipe.inc', { input: { v: 1 } })
        .step('b', 'pipe.inc', { after: 'a' }),
    );
    expect(await rows()).toEqual({ pipelines: 1, jobs: 2, edges: 1 });
    expect(p.steps.b!.state).toBe('blocked');
  });
});
