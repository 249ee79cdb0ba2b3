import {
  DependencyPolicy,
  InvalidJobInputError,
  InvalidJobOptionsError,
  InvalidPipelineError,
  NonJsonValueError,
  PayloadTooLargeError,
  pipeline,
  UnknownJobError,
  type JobRecord,
  type SpawnRequest,
} from '../../lib/index.js';
import { JobRunner } from '../../lib/consumer/job-runner.js';
import { JobHooksRegistry } from '../../lib/discovery/job-hooks.registry.js';
import { JobRegistry } from '../../lib/discovery/job.registry.js';
import { JobStore } from '../../lib/persistence/job.store.js';
import { JobRowFactory } from '../../lib/queue/job-row.factory.js';
import { StepContextLoader } from '../../lib/pipeline/step-context.loader.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { PipelineJobs } from '../fixtures/pipeline-jobs.js';

const MAX_PAYLOAD = 4096;
const MAX_BATCH = 25;

/**
 * `ctx.spawn()` checks each child when it is called (the handler sees the error, the attempt fails
 * like any handler error, other jobs' results are written); the workspace size is checked before a
 * step completes; the step context loader forgets steps that never start.
 */
describe.each(DB_KINDS)('pipeline spawn and workspace limits on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options, {
      providers: [PipelineJobs],
      jobs: { maxPayloadBytes: MAX_PAYLOAD, maxBatchSize: MAX_BATCH },
    });
    PipelineJobs.calls.length = 0;
    PipelineJobs.spawnErrors.length = 0;
  });

  afterEach(async () => {
    await t.close();
    await db.drop();
  });

  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, concurrency: 30 });
  const square = (i: number, extra: Partial<SpawnRequest> = {}): SpawnRequest => ({
    name: 'pipe.square',
    input: { i },
    ...extra,
  });
  const squares = (n: number) => Array.from({ length: n }, (_, i) => square(i));

  it('a bad child throws a typed error from ctx.spawn() itself; the attempt fails once with it, nothing is spawned, the other steps complete', async () => {
    const long = 'x'.repeat(126); // its children's derived keys `${long}[0]` are 129 characters
    const cases: Record<string, { calls: SpawnRequest[][]; Err: new (...a: any[]) => Error; message: RegExp }> = {
      [long]: {
        calls: [[square(0)]],
        Err: InvalidPipelineError,
        message: /step key 'x{60}\.\.\.' is 129 characters; a step key is 1 to 128\. It was derived as/,
      },
      longExplicit: {
        calls: [[square(0, { step: 'k'.repeat(129) })]],
        Err: InvalidPipelineError,
        message: /is 129 characters; a step key is 1 to 128\.$/,
      },
      unknownJob: {
        calls: [[{ name: 'no.such.job' }]],
        Err: UnknownJobError,
        message: /child 0: No @Job\(\) handler is registered as 'no\.such\.job'/,
      },
      badName: {
        calls: [[{ name: '' }]],
        Err: InvalidJobOptionsError,
        message: /child 0: a job name must be a non-empty string/,
      },
      badOption: {
        calls: [[square(0, { priority: 1.5 })]],
        Err: InvalidJobOptionsError,
        message: /child 0 \('pipe\.square'\): Option 'priority' must be an integer/,
      },
      unknownField: {
        calls: [[square(0, { uniqueKey: 'u' } as any)]],
        Err: InvalidJobOptionsError,
        message: /child 0 has unknown field\(s\) uniqueKey/,
      },
      nonJson: {
        calls: [[square(0, { input: { when: { $date: true } } })]],
        Err: NonJsonValueError,
        message: /input of child 0 \('pipe\.square'\)\.when is a Date/,
      },
      oversized: {
        calls: [[square(0, { input: { s: { $bytes: MAX_PAYLOAD } } })]],
        Err: PayloadTooLargeError,
        message: /input of child 0 \('pipe\.square'\) is \d+ bytes of JSON; the limit is 4096/,
      },
      tooMany: {
        calls: [squares(MAX_BATCH + 1)],
        Err: InvalidPipelineError,
        message: /26 children in one attempt; the limit is 25 \(option maxBatchSize\)/,
      },
      tooManyAcross: {
        calls: [squares(20), squares(6)],
        Err: InvalidPipelineError,
        message: /26 children in one attempt; the limit is 25/,
      },
      dupInCall: {
        calls: [[square(0, { step: 'same' }), square(1, { step: 'same' })]],
        Err: InvalidPipelineError,
        message:
          /child 1 \('pipe\.square'\): step key 'same' is already used in this pipeline \(by another child of this call\)/,
      },
      dupAcross: {
        calls: [[square(0, { step: 'twice' })], [square(1, { step: 'twice' })]],
        Err: InvalidPipelineError,
        message:
          /step key 'twice' is already used in this pipeline \(by this step, one of its dependencies, or a child spawned earlier/,
      },
      derivedClash: {
        calls: [[square(0, { step: 'derivedClash[1]' }), square(1)]],
        Err: InvalidPipelineError,
        message: /child 1 \('pipe\.square'\): step key 'derivedClash\[1\]' is already used/,
      },
      ownKey: {
        calls: [[square(0, { step: 'ownKey' })]],
        Err: InvalidPipelineError,
        message: /step key 'ownKey' is already used/,
      },
      depKey: {
        calls: [[square(0, { step: 'base' })]],
        Err: InvalidPipelineError,
        message: /step key 'base' is already used/,
      },
    };
    let def: any = pipeline('spawn-checks').step('base', 'pipe.inc', { input: { v: 1 } });
    for (const [key, c] of Object.entries(cases)) {
      def = def.step(key, 'pipe.spawnCheck', {
        input: { calls: c.calls },
        ...(key === 'depKey' ? { after: 'base' } : {}),
      });
    }
    def = def
      // Not a dependency of dbClash, so only the database knows the key: refused once the handler returned.
      .step('dbClash', 'pipe.spawnCheck', { input: { calls: [[square(0, { step: 'base' })]] } })
      // A DTO check is async: made once the handler returned.
      .step('dto', 'pipe.spawnCheck', { input: { calls: [[{ name: 'pipe.incDto', input: { v: 'x' } }]] } })
      // A call with one bad child adds none of its children; the handler may catch the error and go on.
      .step('keepGoing', 'pipe.spawnCheck', {
        input: { calls: [[square(7), { name: 'no.such.job' }], [square(8)]], keepGoing: true },
      })
      .step('ok', 'pipe.spawnCheck', { input: { calls: [[square(1), square(2, { step: 'custom' })]] } });
    const p = await t.queue.enqueuePipeline(def);
    expect(p.progress.total).toBe(20);

    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 20_000 });
    expect(done.state).toBe('failed');

    for (const [key, c] of Object.entries(cases)) {
      const step = done.steps[key]!;
      expect([key, step.state, step.attempts]).toEqual([key, 'failed', 1]);
      expect([key, step.error!.name]).toEqual([key, c.Err.name]);
      expect(step.error!.message).toMatch(c.message);
      expect(step.error!.message).toMatch(/^ctx\.spawn\(\) in job \d+ \('pipe\.spawnCheck'\)/);
      // Thrown by the ctx.spawn() call, inside the handler: the handler caught it (and rethrew it).
      expect(PipelineJobs.spawnErrors.filter((e) => e.step === key).map((e) => e.message)).toEqual([
        step.error!.message,
      ]);
    }
    expect(done.steps.dbClash).toMatchObject({ state: 'failed', attempts: 1, error: { name: 'InvalidPipelineError' } });
    expect(done.steps.dbClash!.error!.message).toMatch(/step key\(s\) 'base' already belong to steps of pipeline \d+/);
    expect(done.steps.dto).toMatchObject({ state: 'failed', attempts: 1, error: { name: InvalidJobInputError.name } });
    expect(done.steps.dto!.error!.message).toMatch(/Input of job 'pipe\.incDto' is not a valid CountInput/);
    expect(PipelineJobs.spawnErrors.filter((e) => e.step === 'dbClash' || e.step === 'dto')).toEqual([]);

    // The steps that completed in the same batches wrote their results and children.
    expect(done.steps.base).toMatchObject({ state: 'completed', output: { v: 2 } });
    expect(done.steps.keepGoing).toMatchObject({ state: 'completed', output: { outcomes: ['UnknownJobError', 'ok'] } });
    expect(done.steps.ok).toMatchObject({ state: 'completed', output: { outcomes: ['ok'] } });
    const children = Object.values(done.steps).filter((s) => s.parentId !== null);
    expect(children.map((c) => [c.step, c.parentId, c.state, (c.output as any).i]).sort()).toEqual(
      [
        ['custom', done.steps.ok!.id, 'completed', 2],
        ['keepGoing[0]', done.steps.keepGoing!.id, 'completed', 8],
        ['ok[0]', done.steps.ok!.id, 'completed', 1],
      ].sort(),
    );
    expect(done.progress).toEqual({ done: 23, total: 23 });
  });

  it('the workspace a step read plus its changes over maxPayloadBytes fails the step; a merge over it in the finish is kept, and the next step that leaves it over fails', async () => {
    // The patch alone (2,000 bytes) is within the limit; the workspace it makes (5,000+) is not.
    const grow = await t.queue.enqueuePipeline(
      pipeline('grow')
        .step('grow', 'pipe.workspaceSet', { input: { key: 'more', bytes: 2_000 } })
        .step('fine', 'pipe.workspaceSet', { input: { key: 'f', bytes: 10 } })
        .workspace({ seed: 'x'.repeat(3_000) }),
    );
    // left and right start together and both read {}: each leaves 2,500 bytes, the merge holds 5,000.
    const race = await t.queue.enqueuePipeline(
      pipeline('race')
        .step('left', 'pipe.workspaceSet', { input: { key: 'l', bytes: 2_500 } })
        .step('right', 'pipe.workspaceSet', { input: { key: 'r', bytes: 2_500 } })
        .step('reader', 'pipe.cpu', { after: ['left', 'right'], input: null })
        .step('touch', 'pipe.workspaceSet', { after: ['left', 'right'], input: { key: 't', bytes: 1 } })
        .step('trim', 'pipe.workspaceSet', { after: { touch: DependencyPolicy.Run }, input: { key: 'l', bytes: -1 } }),
    );
    await drain();

    const g = await t.queue.waitForPipeline(grow.id, { timeoutMs: 10_000 });
    expect(g.steps.grow).toMatchObject({ state: 'failed', attempts: 1, error: { name: 'PayloadTooLargeError' } });
    expect(g.steps.grow!.error!.message).toMatch(
      /^Pipeline workspace as step 'grow' \(job \d+\) left it is 5\d{3} bytes of JSON; the limit is 4096/,
    );
    expect(g.steps.fine!.state).toBe('completed');
    expect(g.workspace).toEqual({ seed: 'x'.repeat(3_000), f: 'x'.repeat(10) });

    const r = await t.queue.waitForPipeline(race.id, { timeoutMs: 10_000 });
    expect(r.steps.left!.state).toBe('completed');
    expect(r.steps.right!.state).toBe('completed');
    expect((r.steps.left!.output as any).keys).toEqual(['l']); // each read the empty workspace
    expect((r.steps.right!.output as any).keys).toEqual(['r']);
    expect(r.steps.reader!.state).toBe('completed'); // reads it, changes nothing: not checked
    expect(r.steps.touch).toMatchObject({ state: 'failed', error: { name: 'PayloadTooLargeError' } });
    expect(r.steps.trim!.state).toBe('completed'); // leaves it under the limit
    expect(r.workspace).toEqual({ r: 'x'.repeat(2_500) });
  });

  it('a key taken by another consumer between the check and the finish: the child is created without a key, the finish commits', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('race-key')
        .step('sp', 'pipe.spawnCheck', { input: { calls: [[square(1, { step: 'late' }), square(2)]] } })
        .step('after', 'pipe.cpu', { after: 'sp', input: null }),
    );
    const store = t.app.get(JobStore);
    const rows = t.app.get(JobRowFactory);
    const warnings: string[] = [];
    const runner = new JobRunner(
      store.orm,
      store,
      t.app.get(JobRegistry),
      rows,
      { maxPayloadBytes: MAX_PAYLOAD, maxBatchSize: MAX_BATCH },
      t.app.get(JobHooksRegistry),
      (m) => warnings.push(`error: ${m}`),
    );
    const restoreWarnings = store.onWarning((m) => warnings.push(m));
    const [job] = runner.prime(
      await store.claim({ consumerId: 'c1', limit: 10, leaseMs: 30_000, names: ['pipe.spawnCheck'] }),
    );
    const outcome = await runner.execute(job!, new AbortController());
    expect(outcome.kind).toBe('completed');
    // Meanwhile a step keyed 'late' appears in the pipeline (as if another consumer spawned it).
    await store.insert([await rows.build(0, 'pipe.square', { i: 9 }, { pipelineId: p.id, step: 'late' })]);
    const applied = await store.finish('c1', {
      completed: [
        { id: job!.id, attempt: job!.attempts, output: (outcome as any).output, effects: (outcome as any).effects },
      ],
      failed: [],
      snoozed: [],
      released: [],
    });
    store.onWarning(restoreWarnings);
    expect([...applied.keys()]).toEqual([job!.id]);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^job ${job!.id} \\('pipe\\.spawnCheck'\\): step key\\(s\\) 'late' were taken in pipeline ${p.id} while it ran; its children with those keys were created without a key`,
        ),
      ),
    ]);
    const children = await t.orm.em
      .fork()
      .getConnection()
      .execute(`SELECT id, step FROM queue_job WHERE parent_id = ? ORDER BY id`, [Number(job!.id)]);
    expect(children.map((c: any) => c.step)).toEqual([null, 'sp[1]']);
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('completed');
    expect(Object.keys(done.steps).sort()).toEqual(['after', 'late', 'sp', 'sp[1]', String(children[0].id)].sort());
    expect(done.steps.after!.state).toBe('completed'); // waited for both children
  });

  it('the step context loader forgets steps that never start, replaces an earlier attempt, and bounds itself', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('loader')
        .step('a', 'pipe.inc', { input: { v: 1 } })
        .step('b', 'pipe.inc', { input: { v: 2 } })
        .step('c', 'pipe.inc', { input: { v: 3 } }),
    );
    const store = t.app.get(JobStore);
    const loader = new StepContextLoader(store);
    const { a, b, c } = p.steps as Record<string, JobRecord>;
    loader.prime([a!, b!, c!]);
    expect(loader.primedCount).toBe(3);
    loader.forget({ id: a!.id, attempts: a!.attempts + 1 }); // another attempt's: kept
    expect(loader.primedCount).toBe(3);
    loader.forget(a!);
    expect(loader.primedCount).toBe(2);
    loader.prime([{ ...b!, attempts: b!.attempts + 1 }]); // claimed again: the earlier attempt's is dropped
    expect(loader.primedCount).toBe(2);
    await expect(loader.load(a!)).resolves.toMatchObject({ workspace: {}, dependencies: {} }); // forgotten: loaded afresh
    await loader.load({ ...b!, attempts: b!.attempts + 1 });
    await loader.load(c!);
    expect(loader.primedCount).toBe(0);

    // Never forgotten: held up to 10,000 or twice the largest claimed batch, oldest evicted first.
    const fake = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ ...a!, id: String(1_000_000 + from + i) }));
    const [first, second, third] = [fake(6_000, 0), fake(6_000, 6_000), fake(6_000, 12_000)];
    loader.prime(first);
    loader.prime(second);
    expect(loader.primedCount).toBe(12_000);
    loader.prime(third);
    expect(loader.primedCount).toBe(12_000);
    await loader.load(first[0]!); // evicted: loaded afresh
    expect(loader.primedCount).toBe(12_000);
    await loader.load(third[0]!);
    expect(loader.primedCount).toBe(11_999);
  });
});
