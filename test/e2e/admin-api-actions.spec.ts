/**
 * The operations console's actions over HTTP: retry (one job, then run to completion by a real
 * consumer; and in bulk), discard, cancel, pause and resume a queue, purge. A state that does not
 * allow the action answers 409, an unknown id 404, bad input 400, each with nothing changed.
 */
import { Injectable } from '@nestjs/common';
import { Job, JobState, type JobContext } from '../../lib/index.js';
import { call, openAdminApp, snapshot, waitUntil, type AdminTestApp } from '../helpers/admin-app.js';
import { DB_KINDS } from '../helpers/databases.js';
import { deferred } from '../helpers/job-rows.js';

const upstream = { down: true };
let hold = deferred();

@Injectable()
class ActionJobs {
  @Job('admin.flaky', { maxAttempts: 1 })
  flaky(input: { n: number }, ctx: JobContext) {
    if (upstream.down) throw new Error(`upstream down (attempt ${ctx.attempt})`);
    return { n: input.n };
  }

  /** Runs until the test lets it go, or until it is cancelled (its signal fires at its consumer's next heartbeat). */
  @Job('admin.hold')
  async hold(_input: null, ctx: JobContext) {
    await Promise.race([hold.promise, new Promise((r) => ctx.signal.addEventListener('abort', r))]);
  }
}

describe.each(DB_KINDS)('admin API actions on %s', (kind) => {
  let t: AdminTestApp;

  beforeEach(async () => {
    upstream.down = true;
    hold = deferred();
    t = await openAdminApp(kind, undefined, [ActionJobs]);
  });
  afterEach(async () => {
    hold.resolve();
    await t.close();
  });

  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, include: ['admin.flaky', 'test.echo'] });
  const post = (path: string, body?: unknown) => call(t.api, 'POST', path, undefined, body);

  it('retries a failed job, which a consumer then runs to completion', async () => {
    const job = await t.queue.enqueue('admin.flaky', { n: 7 });
    await drain();
    expect((await t.queue.get(job.id)).state).toBe(JobState.Failed);
    upstream.down = false;
    const answer = await post(`/jobs/${job.id}/retry`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: job.id, state: JobState.Pending, attempts: 0, error: null });
    const consumer = t.consumer.run({ pollIntervalMs: 20, include: ['admin.flaky'] });
    await waitUntil(async () => (await t.queue.get(job.id)).state === JobState.Completed);
    await t.consumer.stop();
    await consumer;
    const done = (await call(t.api, 'GET', `/jobs/${job.id}`)).body;
    expect(done).toMatchObject({ state: JobState.Completed, output: { n: 7 } });
    expect(done.attemptLog.map((e: { outcome: string }) => e.outcome)).toEqual(['failed', 'retried']);
  });

  it('retries in bulk the failed jobs of a name or queue', async () => {
    for (const n of [1, 2, 3]) await t.queue.enqueue('admin.flaky', { n }, { queue: n === 3 ? 'other' : 'default' });
    await drain();
    const answer = await post('/jobs/retry', { queue: 'default', state: 'failed' });
    expect(answer).toMatchObject({ status: 200, body: { retried: 2 } });
    expect((await call(t.api, 'GET', '/jobs?state=failed')).body.jobs).toHaveLength(1);
    expect((await post('/jobs/retry', { name: 'admin.flaky' })).body).toEqual({ retried: 1 });
    upstream.down = false;
    expect((await drain()).completed).toBe(3);

    const before = await snapshot(t.orm);
    for (const body of [{}, { state: 'completed', name: 'admin.flaky' }, { name: '' }, { name: 'x', color: 'red' }]) {
      const refused = await post('/jobs/retry', body);
      expect({ body, status: refused.status }).toEqual({ body, status: 400 });
    }
    expect(await snapshot(t.orm)).toEqual(before);
  });

  it('discards a pending job; cancels a pending job and asks a running one to stop', async () => {
    const pending = await t.queue.enqueue('test.echo', { a: 1 }, { runAfter: new Date(Date.now() + 3_600_000) });
    const discarded = await post(`/jobs/${pending.id}/discard`);
    expect(discarded.status).toBe(200);
    expect(discarded.body).toMatchObject({
      id: pending.id,
      state: JobState.Cancelled,
      error: { name: 'JobDiscarded' },
    });

    const other = await t.queue.enqueue('test.echo', { a: 2 }, { runAfter: new Date(Date.now() + 3_600_000) });
    expect((await post(`/jobs/${other.id}/cancel`)).body).toMatchObject({ id: other.id, state: JobState.Cancelled });

    const running = await t.queue.enqueue('admin.hold', null);
    const consumer = t.consumer.run({ pollIntervalMs: 20, include: ['admin.hold'] });
    await waitUntil(async () => (await t.queue.get(running.id)).state === JobState.Running);
    const asked = await post(`/jobs/${running.id}/cancel`);
    expect(asked).toMatchObject({ status: 200, body: { id: running.id, state: JobState.Running } });
    await waitUntil(async () => (await t.queue.get(running.id)).state === JobState.Cancelled);
    await t.consumer.stop();
    await consumer;
  });

  it('answers 409 for an action the state does not allow, 404 for an unknown id, and changes nothing', async () => {
    const done = await t.queue.enqueue('test.echo', { d: 1 });
    await drain();
    const running = await t.queue.enqueue('admin.hold', null);
    const consumer = t.consumer.run({ pollIntervalMs: 20, include: ['admin.hold'] });
    await waitUntil(async () => (await t.queue.get(running.id)).state === JobState.Running);
    const before = await snapshot(t.orm);
    const conflicts = [
      `/jobs/${running.id}/retry`,
      `/jobs/${done.id}/retry`,
      `/jobs/${running.id}/discard`,
      `/jobs/${done.id}/discard`,
      `/jobs/${done.id}/cancel`,
    ];
    for (const path of conflicts) {
      const answer = await post(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 409 });
      expect(answer.body.message).toMatch(/is (running|completed)/);
    }
    for (const path of ['/jobs/999999/retry', '/jobs/999999/discard', '/jobs/999999/cancel', '/jobs/abc/retry']) {
      const answer = await post(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
    }
    expect(await snapshot(t.orm)).toEqual(before);
    hold.resolve();
    await t.consumer.stop();
    await consumer;
  });

  it('pauses and resumes a queue', async () => {
    await t.queue.enqueue('test.echo', { q: 1 }, { queue: 'mail' });
    const paused = await post('/queues/mail/pause');
    expect(paused).toMatchObject({ status: 200, body: { queue: 'mail', paused: true } });
    expect(await t.queue.pausedQueues()).toEqual(['mail']);
    expect((await drain()).completed).toBe(0);
    const listed = (await call(t.api, 'GET', '/queues')).body.queues;
    expect(listed).toEqual([expect.objectContaining({ queue: 'mail', due: 1, paused: true })]);
    const resumed = await post('/queues/mail/resume');
    expect(resumed).toMatchObject({ status: 200, body: { queue: 'mail', paused: false } });
    expect(await t.queue.pausedQueues()).toEqual([]);
    expect((await drain()).completed).toBe(1);

    const before = await snapshot(t.orm);
    const tooLong = 'q'.repeat(65);
    expect((await post(`/queues/${tooLong}/pause`)).status).toBe(400);
    expect(await snapshot(t.orm)).toEqual(before);

    // resume's bad input: 400 naming what is wrong, and the paused queue stays paused.
    await post('/queues/mail/pause');
    const whilePaused = await snapshot(t.orm);
    const refused = await post(`/queues/${tooLong}/resume`);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/at most 64 characters/);
    expect(await snapshot(t.orm)).toEqual(whilePaused);
    expect(await t.queue.pausedQueues()).toEqual(['mail']);
  });

  it('purges finished jobs older than a limit, in the given states', async () => {
    await t.queue.enqueue('test.echo', { p: 1 });
    await t.queue.enqueue('admin.flaky', { n: 1 });
    const waiting = await t.queue.enqueue('test.echo', { p: 2 }, { runAfter: new Date(Date.now() + 3_600_000) });
    await drain();
    expect((await post('/purge', { olderThanMs: 3_600_000 })).body).toEqual({ deleted: 0 });
    expect((await post('/purge', { olderThanMs: 0, states: ['failed'] })).body).toEqual({ deleted: 1 });
    expect((await post('/purge', { olderThanMs: 0 })).body).toEqual({ deleted: 1 });
    const left = (await call(t.api, 'GET', '/jobs')).body.jobs;
    expect(left.map((j: { id: string }) => j.id)).toEqual([waiting.id]);

    const before = await snapshot(t.orm);
    const bad = [
      {},
      { olderThanMs: -1 },
      { olderThanMs: 1.5 },
      { olderThanMs: 0, states: ['pending'] },
      { olderThanMs: '0' },
    ];
    for (const body of bad) {
      const answer = await post('/purge', body);
      expect({ body, status: answer.status }).toEqual({ body, status: 400 });
    }
    expect(await snapshot(t.orm)).toEqual(before);
  });
});
