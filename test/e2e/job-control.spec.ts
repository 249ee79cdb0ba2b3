/**
 * Acting on jobs by hand: retry (one job, or the failed jobs of a name/queue; in pipelines, the steps
 * that ended because of the retried one re-open) and discard. Bad calls throw a typed error and write
 * nothing.
 */
import { Injectable } from '@nestjs/common';
import {
  DependencyPolicy,
  InvalidJobOptionsError,
  InvalidJobStateError,
  Job,
  JobNotFoundError,
  JobState,
  pipeline,
  type JobContext,
} from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { deferred, jobRowsBesidesLeases } from '../helpers/job-rows.js';

/** Whether the upstream the jobs call is down; the test repairs it before retrying. */
const upstream = { down: true };
let hold = deferred();

@Injectable()
class ControlJobs {
  @Job('control.flaky', { maxAttempts: 2, backoff: { baseMs: 10, jitter: false } })
  flaky(input: { n?: number } | null, ctx: JobContext) {
    if (upstream.down) throw new Error(`upstream down (attempt ${ctx.attempt})`);
    return { n: input?.n ?? null, attempt: ctx.attempt };
  }

  @Job('control.step')
  step(input: unknown, ctx: JobContext) {
    return { step: ctx.step, got: input };
  }

  @Job('control.hold')
  async hold() {
    await hold.promise;
  }
}

describe.each(DB_KINDS)('retry and discard on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    upstream.down = true;
    hold = deferred();
    ({ db, t } = await openJobsEnv(kind, { providers: [ControlJobs] }));
  });
  afterEach(async () => {
    hold.resolve();
    await closeJobsEnv({ db, t });
  });

  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
  /** Every row of the jobs table (leases aside), to show a refused call wrote nothing. */
  const table = () => jobRowsBesidesLeases(t.orm);

  it('retry runs a failed job again with its attempts reset, keeping its history', async () => {
    const job = await t.queue.enqueue('control.flaky', { n: 1 });
    await drain();
    const failed = await t.queue.get(job.id);
    expect(failed).toMatchObject({ state: JobState.Failed, attempts: 2 });
    upstream.down = false;
    const retried = await t.queue.retry(job.id);
    expect(retried).toMatchObject({ state: JobState.Pending, attempts: 0, error: null, finishedAt: null });
    expect(retried.attemptLog.map((e) => [e.attempt, e.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [2, 'retried'],
    ]);
    expect(retried.attemptLog[2]!.reason).toContain('retried by hand');
    // The same form on every database: ISO 8601 in UTC (SQLite stores epoch milliseconds).
    for (const e of retried.attemptLog) expect(e.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Math.abs(new Date(retried.attemptLog[2]!.at).getTime() - Date.now())).toBeLessThan(60_000);
    expect((await drain()).completed).toBe(1);
    const done = await t.queue.get(job.id);
    expect(done).toMatchObject({ state: JobState.Completed, attempts: 1, output: { n: 1, attempt: 1 } });
    expect(done.attemptLog).toHaveLength(3);
  });

  it('retry runs a cancelled job, and a discarded one', async () => {
    const cancelled = await t.queue.enqueue('control.step', { c: 1 });
    const discarded = await t.queue.enqueue('control.step', { d: 1 });
    await t.queue.cancel(cancelled.id);
    await t.queue.discard(discarded.id);
    expect((await t.queue.retry(cancelled.id)).state).toBe(JobState.Pending);
    expect((await t.queue.retry(discarded.id)).state).toBe(JobState.Pending);
    await drain();
    for (const id of [cancelled.id, discarded.id]) expect((await t.queue.get(id)).state).toBe(JobState.Completed);
  });

  it('retry of a pending, running or completed job, or of an unknown id, throws and writes nothing', async () => {
    const done = await t.queue.enqueue('control.step', null);
    await drain();
    const running = await t.queue.enqueue('control.hold', null);
    const consumer = t.consumer.run({ pollIntervalMs: 20, include: ['control.hold'] });
    await waitFor(async () => (await t.queue.get(running.id)).state === JobState.Running);
    const pending = await t.queue.enqueue('control.step', null, { runAfter: new Date(Date.now() + 3_600_000) });
    const before = await table();
    for (const id of [pending.id, running.id, done.id]) {
      const err = await t.queue.retry(id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidJobStateError);
      expect((err as Error).message).toMatch(/is (pending|running|completed)/);
    }
    await expect(t.queue.retry('999999')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(t.queue.retry(-1)).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await table()).toEqual(before);
    hold.resolve();
    await t.consumer.stop();
    await consumer;
  });

  it('retry({ name, queue }) retries every failed job of them, in batches, and returns how many', async () => {
    const a = await t.queue.enqueueMany([1, 2, 3].map((n) => ({ name: 'control.flaky', input: { n }, queue: 'a' })));
    const b = await t.queue.enqueue('control.flaky', { n: 4 }, { queue: 'b' });
    const other = await t.queue.enqueue('control.step', null, { queue: 'a' });
    await t.queue.cancel(other.id);
    await drain();
    upstream.down = false;
    expect(await t.queue.retry({ name: 'control.flaky', queue: 'a', batchSize: 2 })).toBe(3);
    expect((await t.queue.get(b.id)).state).toBe(JobState.Failed);
    expect((await t.queue.get(other.id)).state).toBe(JobState.Cancelled);
    for (const j of a) expect((await t.queue.get(j.id)).state).toBe(JobState.Pending);
    expect(await t.queue.retry({ queue: 'b' })).toBe(1);
    expect(await t.queue.retry({ name: 'control.flaky' })).toBe(0);
    await drain();
    for (const j of [...a, b]) expect((await t.queue.get(j.id)).state).toBe(JobState.Completed);
  });

  it.each([
    [{}],
    [{ name: '' }],
    [{ queue: 7 }],
    [{ name: 'control.flaky', nope: 1 }],
    [{ name: 'control.flaky', batchSize: 0 }],
    [{ queue: 'a', batchSize: 1.5 }],
  ])('retry(%p) throws InvalidJobOptionsError and writes nothing', async (filter) => {
    await t.queue.enqueue('control.flaky', null);
    await drain();
    const before = await table();
    await expect(t.queue.retry(filter as any)).rejects.toBeInstanceOf(InvalidJobOptionsError);
    expect(await table()).toEqual(before);
  });

  it('discard ends a pending job cancelled, with why, without running it', async () => {
    const job = await t.queue.enqueue('control.step', { x: 1 });
    const discarded = await t.queue.discard(job.id);
    expect(discarded).toMatchObject({ state: JobState.Cancelled, attempts: 0, error: { name: 'JobDiscarded' } });
    expect(discarded.finishedAt).toBeInstanceOf(Date);
    expect((await drain()).processed).toBe(0);
  });

  it('discard of a running or finished job, or an unknown id, throws and writes nothing', async () => {
    const done = await t.queue.enqueue('control.step', null);
    await drain();
    const running = await t.queue.enqueue('control.hold', null);
    const consumer = t.consumer.run({ pollIntervalMs: 20, include: ['control.hold'] });
    await waitFor(async () => (await t.queue.get(running.id)).state === JobState.Running);
    const before = await table();
    await expect(t.queue.discard(running.id)).rejects.toBeInstanceOf(InvalidJobStateError);
    await expect(t.queue.discard(done.id)).rejects.toBeInstanceOf(InvalidJobStateError);
    await expect(t.queue.discard('999999')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(t.queue.discard('x')).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await table()).toEqual(before);
    hold.resolve();
    await t.consumer.stop();
    await consumer;
  });

  it('discarding a blocked pipeline step ends its dependants by their policy', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('discard')
        .step('first', 'control.hold', { input: null })
        .step('second', 'control.step', { after: 'first' })
        .step('third', 'control.step', { after: 'second' })
        .step('tolerant', 'control.step', { after: { second: DependencyPolicy.Run } }),
    );
    await t.queue.discard(p.steps.second!.id);
    const after = await t.queue.getPipeline(p.id);
    expect(after.steps.second!.state).toBe(JobState.Cancelled);
    expect(after.steps.third!).toMatchObject({ state: JobState.Cancelled, error: { name: 'DependencyFailedError' } });
    // Policy run: it counts the discarded step off and runs.
    expect(after.steps.tolerant!.state).toBe(JobState.Pending);
  });

  it('retrying a failed pipeline step re-opens the steps that ended because of it, and the pipeline completes', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('retry')
        .step('fetch', 'control.step', { input: { month: 11 } })
        .step('work', 'control.flaky', { after: 'fetch' })
        .step('report', 'control.step', { after: 'work' })
        .step('notify', 'control.step', { after: { work: DependencyPolicy.Skip } })
        .step('final', 'control.step', { after: ['report', 'notify'] })
        .step('audit', 'control.step', { after: { work: DependencyPolicy.Run } }),
    );
    await drain();
    const failed = await t.queue.getPipeline(p.id);
    expect(failed.state).toBe('failed');
    const states = (r: typeof failed) => Object.fromEntries(Object.entries(r.steps).map(([k, s]) => [k, s.state]));
    expect(states(failed)).toEqual({
      fetch: 'completed',
      work: 'failed',
      report: 'failed',
      notify: 'skipped',
      final: 'failed',
      audit: 'completed',
    });
    // A step that did not run because of a dependency is not retried on its own.
    const before = await table();
    await expect(t.queue.retry(failed.steps.report!.id)).rejects.toThrow(/retry that one/);
    await expect(t.queue.retry(failed.steps.final!.id)).rejects.toBeInstanceOf(InvalidJobStateError);
    expect(await table()).toEqual(before);

    upstream.down = false;
    await t.queue.retry(failed.steps.work!.id);
    const reopened = await t.queue.getPipeline(p.id);
    expect(reopened.state).toBe('running');
    expect(states(reopened)).toEqual({
      fetch: 'completed',
      work: 'pending',
      report: 'blocked',
      notify: 'blocked',
      final: 'blocked',
      audit: 'completed',
    });
    expect(reopened.steps.final!.attemptLog.map((e) => e.outcome)).toEqual(['retried']);
    await drain();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('completed');
    expect(Object.values(done.steps).every((s) => s.state === JobState.Completed)).toBe(true);
    expect(done.steps.final!.output).toMatchObject({ got: { report: { step: 'report' }, notify: { step: 'notify' } } });
    // The step that ran with the failure (policy run) is not run twice.
    expect(done.steps.audit!.attempts).toBe(1);
  });

  it("a blocked dependant with policy 'run' waits for the retried step again", async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('run-policy')
        .step('left', 'control.flaky', { input: { n: 1 } })
        .step('gate', 'control.hold', { input: null })
        .step('tail', 'control.step', { after: { left: DependencyPolicy.Run, gate: DependencyPolicy.Fail } }),
    );
    const consumer = t.consumer.run({ pollIntervalMs: 20 });
    const step = async (key: string) => (await t.queue.getPipeline(p.id)).steps[key]!;
    await waitFor(
      async () => (await step('left')).state === JobState.Failed && (await step('gate')).state === JobState.Running,
    );
    upstream.down = false;
    await t.queue.retry((await step('left')).id);
    await waitFor(async () => (await step('left')).state === JobState.Completed);
    // left completed twice in all: tail still waits for gate.
    expect((await step('tail')).state).toBe(JobState.Blocked);
    hold.resolve();
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('completed');
    expect(done.steps.tail!.output).toMatchObject({ got: { left: { n: 1, attempt: 1 }, gate: null } });
    await t.consumer.stop();
    await consumer;
  });

  it('a step a dependency that stays failed would end again is not re-opened', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('two-failures')
        .step('left', 'control.flaky', { input: { n: 1 } })
        .step('right', 'control.flaky', { input: { n: 2 } })
        .step('join', 'control.step', { after: ['left', 'right'] }),
    );
    await drain();
    upstream.down = false;
    await t.queue.retry((await t.queue.getPipeline(p.id)).steps.left!.id);
    let now = await t.queue.getPipeline(p.id);
    expect([now.steps.left!.state, now.steps.right!.state, now.steps.join!.state]).toEqual([
      'pending',
      'failed',
      'failed',
    ]);
    await drain();
    await t.queue.retry(now.steps.right!.id);
    now = await t.queue.getPipeline(p.id);
    // left completed meanwhile: join waits for right alone.
    expect([now.steps.right!.state, now.steps.join!.state]).toEqual(['pending', 'blocked']);
    await drain();
    expect((await t.queue.getPipeline(p.id)).state).toBe('completed');
  });
});

async function waitFor(ok: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await ok())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}
