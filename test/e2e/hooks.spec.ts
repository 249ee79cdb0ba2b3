import { Injectable } from '@nestjs/common';
import {
  AfterJob,
  BeforeJob,
  OnJobEnqueued,
  OnJobFailed,
  type JobContext,
  type JobErrorInfo,
  type JobRecord,
} from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';

const calls: string[] = [];

@Injectable()
class Hooks {
  @OnJobEnqueued()
  enqueued(job: JobRecord) {
    if ((job.input as any)?.rejectAtEnqueue) throw new Error('enqueue hook says no');
    calls.push(`enqueued:${job.name}`);
  }

  @BeforeJob('test.echo', 'test.fail')
  before(input: any, ctx: JobContext) {
    if (input?.blockedByHook) throw new Error('before hook says no');
    calls.push(`before:${ctx.name}:${ctx.attempt}`);
  }

  @AfterJob()
  after(ctx: JobContext, outcome: { error?: JobErrorInfo; output?: unknown }) {
    calls.push(`after:${ctx.name}:${ctx.attempt}:${outcome.error ? 'error' : 'ok'}`);
  }

  @OnJobFailed('test.fail', 'test.echo')
  failed(ctx: JobContext, error: JobErrorInfo) {
    calls.push(`failed:${ctx.name}:${error.message}`);
  }
}

describe.each(DB_KINDS)('lifecycle hooks on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    calls.length = 0;
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options, { providers: [Hooks] });
  });

  afterEach(async () => {
    await t.close();
    await db.drop();
  });

  it('runs enqueued, before, after and failed hooks at the right moments', async () => {
    const ok = await t.queue.enqueue('test.echo', { n: 1 });
    const bad = await t.queue.enqueue('test.fail', { message: 'always' });
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, concurrency: 1 });
    expect((await t.queue.get(ok.id)).state).toBe('completed');
    expect((await t.queue.get(bad.id)).state).toBe('failed');
    expect(calls.filter((c) => c.startsWith('enqueued:'))).toEqual(['enqueued:test.echo', 'enqueued:test.fail']);
    expect(calls).toContain('before:test.echo:1');
    expect(calls).toContain('after:test.echo:1:ok');
    expect(calls.filter((c) => c.startsWith('before:test.fail'))).toEqual([
      'before:test.fail:1',
      'before:test.fail:2',
      'before:test.fail:3',
    ]);
    expect(calls.filter((c) => c.startsWith('after:test.fail'))).toEqual([
      'after:test.fail:1:error',
      'after:test.fail:2:error',
      'after:test.fail:3:error',
    ]);
    expect(calls.filter((c) => c.startsWith('failed:'))).toEqual(['failed:test.fail:always']);
    // The failure hook runs before the after hook of the last attempt; earlier attempts have only the after hook.
    const ofFail = calls.filter((c) => /^(before|after|failed):test\.fail/.test(c));
    expect(ofFail.slice(-3)).toEqual(['before:test.fail:3', 'failed:test.fail:always', 'after:test.fail:3:error']);
  });

  it('a throwing before hook fails the attempt; a throwing enqueued hook writes nothing', async () => {
    const blocked = await t.queue.enqueue('test.echo', { blockedByHook: true }, { maxAttempts: 1 });
    await expect(t.queue.enqueue('test.echo', { rejectAtEnqueue: true })).rejects.toThrow('enqueue hook says no');
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const job = await t.queue.get(blocked.id);
    expect(job.state).toBe('failed');
    expect(job.error?.message).toBe('before hook says no');
    expect(calls).toContain('failed:test.echo:before hook says no');
    expect(await t.queue.queueDepths()).toEqual({});
    const rows = await t.orm.em.fork().getConnection().execute('select count(*) as n from queue_job');
    expect(Number(rows[0].n)).toBe(1);
  });
});
