import type { EntityManager } from '@mikro-orm/core';
import { chain, DependencyPolicy, pipeline, type JobRecord } from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { PipelineJobs } from '../fixtures/pipeline-jobs.js';
import { LedgerEntrySchema } from '../fixtures/ledger.entity.js';

/** Pipelines that pass data: chains, graphs, fan-out at run time, the workspace, per-step options, transactions. */
describe.each(DB_KINDS)('pipelines on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options, {
      providers: [PipelineJobs],
      jobs: { defaultBackoff: { baseMs: 10, jitter: false } },
    });
    PipelineJobs.calls.length = 0;
  });

  afterEach(async () => {
    await t.close();
    await db.drop();
  });

  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, concurrency: 10 });
  const count = async (table: string, where = '') =>
    Number((await t.orm.em.fork().getConnection().execute(`SELECT COUNT(*) AS n FROM ${table} ${where}`))[0].n);

  it('a 3-step chain passes each output on as the next input', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('chain')
        .step('a', 'pipe.incDto', { input: { v: 1 } })
        .step('b', 'pipe.incDto', { after: 'a' })
        .step('c', 'pipe.inc', { after: 'b' }),
    );
    expect(p.state).toBe('pending');
    expect(p.progress).toEqual({ done: 0, total: 3 });
    expect(p.steps.a!.state).toBe('pending');
    expect(p.steps.b!.state).toBe('blocked');
    expect(p.steps.c!.state).toBe('blocked');

    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('completed');
    expect(done.progress).toEqual({ done: 3, total: 3 });
    const { a, b, c } = done.steps as Record<string, JobRecord<unknown, any>>;
    expect(a!.output).toEqual({ v: 2 });
    expect(b!.output).toEqual({ v: 3 });
    // b is a DTO job fed by a: it got a's output, validated, as a DTO instance; c got b's output.
    expect(PipelineJobs.calls.map((x) => [x.step, x.input])).toEqual([
      ['a', { v: 1, isDto: true }],
      ['b', { v: 2, isDto: true }],
      ['c', undefined],
    ]);
    expect(c!.output).toEqual({ v: 4, received: b!.output });
  });

  it('chain() builds the same kind of chain', async () => {
    const p = await t.queue.enqueuePipeline(
      chain([{ job: 'pipe.inc', input: { v: 10 } }, { job: 'pipe.inc' }, { job: 'pipe.inc', key: 'last' }]),
    );
    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(Object.keys(done.steps).sort()).toEqual(['0', '1', 'last']);
    expect((done.steps.last!.output as any).v).toBe(13);
    expect((done.steps.last!.output as any).received).toEqual(done.steps['1']!.output);
  });

  it('a diamond: fan-out from one step, fan-in receives the outputs keyed by step', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('diamond')
        .step('top', 'pipe.inc', { input: { v: 0 } })
        .step('left', 'pipe.inc', { after: 'top' })
        .step('right', 'pipe.cpu', { after: 'top' })
        .step('bottom', 'pipe.join', { after: ['left', 'right'] }),
    );
    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('completed');
    const s = done.steps;
    expect((s.left!.output as any).received).toEqual(s.top!.output);
    expect((s.right!.output as any).received).toEqual(s.top!.output);
    const bottom = s.bottom!.output as any;
    expect(bottom.received).toEqual({ left: s.left!.output, right: s.right!.output });
    expect(Object.keys(bottom.deps).sort()).toEqual(['left', 'right']);
    // The bottom ran last, after both branches.
    expect(PipelineJobs.calls.at(-1)!.step).toBe('bottom');
    expect(PipelineJobs.calls[0]!.step).toBe('top');
  });

  it('dynamic fan-out: 100 children spawned at run time, created once, joined by one later step', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('fan-out')
        .step('split', 'pipe.split', { input: { count: 100 } })
        .step('collect', 'pipe.collect', { after: 'split' })
        .step('after', 'pipe.inc', { after: 'collect', input: { v: 0 } }),
    );
    expect(p.progress.total).toBe(3);
    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 30_000 });
    expect(done.state).toBe('completed');
    expect(done.progress).toEqual({ done: 103, total: 103 });
    const split = done.steps.split!;
    const collect = done.steps.collect!.output as any;
    expect(collect.received).toEqual({ spawned: 100 }); // its declared dependency's output
    expect(collect.count).toBe(100);
    expect(collect.order).toEqual(Array.from({ length: 100 }, (_, i) => i)); // spawn order
    expect(collect.sum).toBe(Array.from({ length: 100 }, (_, i) => i * i).reduce((a, b) => a + b, 0));
    expect(collect.deps).toBe(101); // split and its 100 children
    // Exactly once: 100 child rows, each run once, all created by split.
    expect(await count('queue_job', `WHERE name = 'pipe.square'`)).toBe(100);
    expect(
      await count(
        'queue_job',
        `WHERE name = 'pipe.square' AND attempts = 1 AND state = 'completed' AND parent_id = ${split.id}`,
      ),
    ).toBe(100);
    expect(PipelineJobs.calls.filter((c) => c.name === 'pipe.square')).toHaveLength(100);
    expect(new Set(Object.keys(done.steps).filter((k) => k.startsWith('split['))).size).toBe(100);
    // The join ran after every child, and only once.
    const order = PipelineJobs.calls.map((c) => c.step);
    expect(order.filter((s) => s === 'collect')).toHaveLength(1);
    expect(order.indexOf('collect')).toBeGreaterThan(
      Math.max(...order.map((s, i) => (s?.startsWith('split[') ? i : -1))),
    );
  });

  it('workspace: steps read and update it; the final workspace is in getPipeline', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('ws')
        .step('one', 'pipe.workspace')
        .step('two', 'pipe.workspace', { after: 'one', input: null })
        .step('left', 'pipe.workspace', { after: 'two', input: { key: 'leftKey' } })
        .step('right', 'pipe.workspace', { after: 'two', input: { key: 'rightKey' } })
        .step('three', 'pipe.workspace', { after: ['left', 'right'], input: null })
        .workspace({ requestedBy: 42, dropMe: true }),
    );
    expect(p.workspace).toEqual({ requestedBy: 42, dropMe: true });
    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('completed');
    expect((done.steps.one!.output as any).seen).toEqual({ requestedBy: 42, dropMe: true });
    // 'one' deleted dropMe: gone for the next step (on both databases).
    expect((done.steps.two!.output as any).seen).toEqual({ requestedBy: 42, trail: ['one'], count: 1 });
    expect((done.steps.three!.output as any).seen).toMatchObject({
      trail: ['one', 'two'],
      count: 2,
      leftKey: 'left',
      rightKey: 'right',
    });
    expect(done.workspace).toEqual({
      requestedBy: 42,
      trail: ['one', 'two', 'three'],
      count: 3,
      leftKey: 'left',
      rightKey: 'right',
    });
  });

  it('per-step options: priority, queue, maxAttempts and runAfter are honoured', async () => {
    const later = new Date(Date.now() + 3600_000);
    const p = await t.queue.enqueuePipeline(
      pipeline('options')
        .step('low', 'pipe.cpu', { input: 'low', priority: 1 })
        .step('high', 'pipe.cpu', { input: 'high', priority: 10 })
        .step('special', 'pipe.cpu', { input: 'special', queue: 'special' })
        .step('later', 'pipe.cpu', { input: 'later', runAfter: later })
        .step('laterChild', 'pipe.cpu', { after: 'low', runAfter: later })
        .step('twice', 'pipe.fail', { input: null, maxAttempts: 2, backoff: { baseMs: 10, maxMs: 10, jitter: false } }),
    );
    const s = p.steps;
    expect([s.low!.priority, s.high!.priority, s.special!.queue, s.twice!.maxAttempts]).toEqual([1, 10, 'special', 2]);
    expect(Math.abs(s.later!.runAfter.getTime() - later.getTime())).toBeLessThan(1000);

    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, concurrency: 1, queues: ['default'] });
    const after = await t.queue.getPipeline(p.id);
    const order = PipelineJobs.calls.filter((c) => c.name === 'pipe.cpu').map((c) => c.step);
    expect(order).toEqual(['high', 'low']); // higher priority first; 'special' and 'later' not run
    expect(after.steps.special!.state).toBe('pending'); // its queue is not this consumer's
    expect(after.steps.later!.state).toBe('pending'); // not due for an hour
    // Unblocked by 'low', but keeps its own runAfter.
    expect(after.steps.laterChild!.state).toBe('pending');
    expect(Math.abs(after.steps.laterChild!.runAfter.getTime() - later.getTime())).toBeLessThan(1000);
    expect(after.steps.twice!.state).toBe('failed');
    expect(after.steps.twice!.attempts).toBe(2);
    expect(after.steps.twice!.attemptLog).toHaveLength(2);

    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, queues: ['special'] });
    expect((await t.queue.get(s.special!.id)).state).toBe('completed');
  });

  it("enqueuePipeline in the caller's transaction: a rollback writes nothing, a commit writes all", async () => {
    const def = pipeline('tx')
      .step('a', 'pipe.inc', { input: { v: 1 } })
      .step('b', 'pipe.inc', { after: 'a' });
    await expect(
      t.orm.em.fork().transactional(async (em: EntityManager) => {
        em.create(LedgerEntrySchema, { jobId: 'x', attempt: 0, consumer: 'tx', event: 'rolled back', at: new Date() });
        await em.flush();
        await t.queue.enqueuePipeline(def, { em });
        throw new Error('caller rolls back');
      }),
    ).rejects.toThrow('caller rolls back');
    expect([
      await count('queue_pipeline'),
      await count('queue_job'),
      await count('queue_job_dependency'),
      await count('test_ledger'),
    ]).toEqual([0, 0, 0, 0]);

    const p = await t.orm.em.fork().transactional(async (em: EntityManager) => {
      em.create(LedgerEntrySchema, { jobId: 'x', attempt: 0, consumer: 'tx', event: 'committed', at: new Date() });
      await em.flush();
      return t.queue.enqueuePipeline(def, { em });
    });
    expect([
      await count('queue_pipeline'),
      await count('queue_job'),
      await count('queue_job_dependency'),
      await count('test_ledger'),
    ]).toEqual([1, 2, 1, 1]);
    await drain();
    expect((await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 })).state).toBe('completed');
  });

  it('getPipeline reports progress while it runs', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline()
        .step('a', 'pipe.inc', { input: { v: 1 } })
        .step('b', 'pipe.slow', { after: { a: DependencyPolicy.Fail }, input: { ms: 60_000 } }),
    );
    const running = t.consumer.run({ pollIntervalMs: 20 });
    let now = await t.queue.getPipeline(p.id);
    for (let i = 0; i < 200 && now.steps.b!.state !== 'running'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      now = await t.queue.getPipeline(p.id);
    }
    expect(now.state).toBe('running');
    expect(now.progress).toEqual({ done: 1, total: 2 });
    await t.consumer.stop({ graceMs: 0 });
    await running;
    // Handed back at shutdown: pending again, not failed.
    expect((await t.queue.getPipeline(p.id)).steps.b!.state).toBe('pending');
  });
});
