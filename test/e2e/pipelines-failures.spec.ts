import { DependencyPolicy, pipeline, type PipelineRecord } from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { PipelineJobs } from '../fixtures/pipeline-jobs.js';

/** What happens when a step does not complete: the three failure policies, and cancelling a pipeline. */
describe.each(DB_KINDS)('pipeline failures on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options, { providers: [PipelineJobs], jobs: { heartbeatMs: 100, leaseMs: 2_000 } });
    PipelineJobs.calls.length = 0;
    PipelineJobs.aborted.length = 0;
  });

  afterEach(async () => {
    await t.close();
    await db.drop();
  });

  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
  const ran = (step: string) => PipelineJobs.calls.some((c) => c.step === step);

  /** Polls the pipeline until `ok` holds (state, not time, decides). */
  async function until(id: string, ok: (p: PipelineRecord) => boolean, timeoutMs = 10_000): Promise<PipelineRecord> {
    const started = Date.now();
    for (;;) {
      const p = await t.queue.getPipeline(id);
      if (ok(p)) return p;
      if (Date.now() - started > timeoutMs)
        throw new Error(
          `pipeline ${id} did not get there: ${JSON.stringify(Object.fromEntries(Object.entries(p.steps).map(([k, s]) => [k, s.state])))}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it("policy 'fail' (the default): dependants fail with DependencyFailedError, down the graph, and the pipeline fails", async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('fail')
        .step('broken', 'pipe.fail', { input: { message: 'disk full' } })
        .step('next', 'pipe.inc', { after: 'broken' })
        .step('afterNext', 'pipe.inc', { after: { next: DependencyPolicy.Fail } })
        .step('unrelated', 'pipe.inc', { input: { v: 1 } }),
    );
    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('failed');
    expect(done.steps.broken!.state).toBe('failed');
    expect(done.steps.broken!.error!.message).toBe('disk full');
    for (const step of ['next', 'afterNext']) {
      expect(done.steps[step]!.state).toBe('failed');
      expect(done.steps[step]!.error!.name).toBe('DependencyFailedError');
      expect(done.steps[step]!.attempts).toBe(0);
      expect(ran(step)).toBe(false);
    }
    expect(done.steps.next!.error!.message).toContain("dependency 'broken'");
    expect(done.steps.unrelated!.state).toBe('completed');
    expect(done.progress).toEqual({ done: 4, total: 4 });
  });

  it("policy 'skip': the dependant ends skipped without running, visibly, and so do its own dependants", async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('skip')
        .step('broken', 'pipe.fail', { input: null })
        .step('optional', 'pipe.inc', { after: { broken: DependencyPolicy.Skip } })
        .step('afterOptional', 'pipe.inc', { after: 'optional' }),
    );
    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.steps.broken!.state).toBe('failed');
    expect(done.steps.optional!.state).toBe('skipped');
    expect(done.steps.optional!.error).toMatchObject({ name: 'DependencyFailedError' });
    expect(done.steps.optional!.error!.message).toContain("policy 'skip'");
    expect(done.steps.afterOptional!.state).toBe('skipped');
    expect(ran('optional') || ran('afterOptional')).toBe(false);
    // The failure was tolerated by the only step that depends on it.
    expect(done.state).toBe('completed');
  });

  it("policy 'run': the dependant runs anyway and sees the failure in ctx.dependencies", async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('run')
        .step('broken', 'pipe.fail', { input: { message: 'upstream down' } })
        .step('fine', 'pipe.inc', { input: { v: 1 } })
        .step('report', 'pipe.join', { after: { broken: DependencyPolicy.Run, fine: DependencyPolicy.Fail } }),
    );
    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.steps.report!.state).toBe('completed');
    const report = done.steps.report!.output as any;
    expect(report.deps.broken).toEqual({ state: 'failed', output: null, error: 'Error' });
    expect(report.deps.fine).toEqual({ state: 'completed', output: { v: 2, received: { v: 1 } }, error: null });
    expect(report.received).toEqual({ broken: null, fine: { v: 2, received: { v: 1 } } });
    expect(done.state).toBe('completed');
  });

  it('cancelPipeline mid-pipeline: the running step is aborted, unstarted steps cancelled, nothing runs after', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('cancel')
        .step('first', 'pipe.inc', { input: { v: 1 } })
        .step('long', 'pipe.slow', { after: 'first', input: { ms: 60_000 } })
        .step('next', 'pipe.inc', { after: 'long' })
        .step('always', 'pipe.join', { after: { long: DependencyPolicy.Run } })
        .step('fanOut', 'pipe.split', {
          after: 'first',
          input: { count: 5 },
          runAfter: new Date(Date.now() + 3600_000),
        }),
    );
    const consumer = t.consumer.run({ pollIntervalMs: 20 });
    const running = await until(
      p.id,
      (x) => x.steps.long!.state === 'running' && x.steps.long!.progress?.message === 'started',
    );
    expect(running.state).toBe('running');
    expect(running.steps.first!.state).toBe('completed');

    const cancelled = await t.queue.cancelPipeline(p.id);
    // Unstarted steps end at once; the running one when its consumer sees the request.
    expect(cancelled.steps.next!.state).toBe('cancelled');
    expect(cancelled.steps.always!.state).toBe('cancelled');
    expect(cancelled.steps.fanOut!.state).toBe('cancelled');
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    await t.consumer.stop();
    await consumer;

    expect(done.state).toBe('cancelled');
    expect(done.steps.first!.state).toBe('completed');
    expect(done.steps.long!.state).toBe('cancelled');
    expect(done.steps.long!.error!.name).toBe('JobCancelledError');
    expect(PipelineJobs.aborted).toEqual([{ step: 'long', reason: 'JobCancelledError' }]);
    expect(PipelineJobs.calls.map((c) => c.step)).toEqual(['first', 'long']);
    for (const s of ['next', 'always', 'fanOut']) expect(done.steps[s]!.attempts).toBe(0);
    expect(Object.keys(done.steps)).toHaveLength(5); // fanOut never ran, so it spawned nothing
    // Cancelling again changes nothing.
    expect((await t.queue.cancelPipeline(p.id)).state).toBe('cancelled');
  });

  it("a single step cancelled with cancel(id) follows its dependants' policies", async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('cancel-one')
        .step('waiting', 'pipe.inc', { input: { v: 1 }, runAfter: new Date(Date.now() + 3600_000) })
        .step('strict', 'pipe.inc', { after: 'waiting' })
        .step('lenient', 'pipe.join', { after: { waiting: DependencyPolicy.Run } }),
    );
    await t.queue.cancel(p.steps.waiting!.id);
    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.steps.strict!.state).toBe('cancelled');
    expect(done.steps.lenient!.state).toBe('completed');
    expect((done.steps.lenient!.output as any).deps.waiting.state).toBe('cancelled');
    expect(done.state).toBe('cancelled');
  });
});
