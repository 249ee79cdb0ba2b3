/**
 * `JobsTesting`, the helpers an application's own tests use: assertions on what was enqueued (the
 * database is the record) and `drain()`, which runs due jobs inline with the real handlers.
 */
import { chain, JobsTesting, JobsTestingAssertionError, JobState, drainJobs } from '../../lib/index.js';
import { DB_KINDS } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestEnv } from '../helpers/jobs-app.js';
import { ledgerRows } from '../helpers/job-rows.js';

describe.each(DB_KINDS)('testing helpers on %s', (kind) => {
  let env: JobsTestEnv;
  let jobs: JobsTesting;

  beforeEach(async () => {
    env = await openJobsEnv(kind);
    jobs = env.t.app.get(JobsTesting);
  });
  afterEach(() => closeJobsEnv(env));

  it(`${kind}: expectEnqueued matches inputs by partial object, predicate or jest matcher, and says what is there when none does`, async () => {
    const { queue, orm } = env.t;
    await queue.enqueue('test.echo', { userId: 1, tags: ['new'] });
    await queue.enqueue('test.echo', { userId: 2, tags: [] }, { queue: 'mail' });

    expect(await jobs.expectEnqueued('test.echo')).toHaveLength(2);
    expect((await jobs.expectEnqueued('test.echo', { userId: 2 }))[0]!.queue).toBe('mail');
    await jobs.expectEnqueued('test.echo', expect.objectContaining({ tags: expect.arrayContaining(['new']) }));
    await jobs.expectEnqueued('test.echo', (input: { userId: number }) => input.userId > 1, { queue: 'mail' });
    await jobs.expectNotEnqueued('test.echo', { userId: 3 });
    await jobs.expectNotEnqueued('test.sleep');

    const missing = await jobs.expectEnqueued('test.echo', { userId: 3 }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(JobsTestingAssertionError);
    expect((missing as Error).message).toMatch(/Expected a 'test\.echo' job with input matching \{"userId":3\}/);
    // Each job there, with its input (PostgreSQL's jsonb orders keys its own way).
    expect((missing as Error).message).toMatch(/#\d+ pending \{[^\n]*"userId":1[^\n]*\}/);
    await expect(jobs.expectNotEnqueued('test.echo', { userId: 1 })).rejects.toThrow(/Expected no 'test\.echo' job/);

    // A job enqueued in a transaction that rolled back was never enqueued.
    await orm.em
      .fork()
      .transactional(async (em: any) => {
        await queue.enqueue('test.echo', { userId: 9 }, { em });
        throw new Error('rollback');
      })
      .catch(() => undefined);
    await jobs.expectNotEnqueued('test.echo', { userId: 9 });
  });

  it(`${kind}: drain runs every due job inline, in claim order, with what they enqueue, and leaves future jobs`, async () => {
    const { queue, orm } = env.t;
    const low = await queue.enqueue('test.ledger', { ms: 0 }, { priority: 1 });
    const high = await queue.enqueue('test.ledger', { ms: 0 }, { priority: 9 });
    const later = await queue.enqueue('test.echo', { later: true }, { runAfter: new Date(Date.now() + 3_600_000) });
    const flow = await queue.enqueuePipeline(
      chain([{ job: 'test.echo', input: 1 }, { job: 'test.echo' }, { job: 'test.ledger' }]),
    );

    const summary = await drainJobs(env.t.app);

    expect(summary.completed).toBe(5);
    expect(summary.failed).toBe(0);
    expect((await queue.getPipeline(flow.id)).state).toBe('completed');
    // One at a time in claim order: the higher priority first.
    const starts = (await ledgerRows(orm)).filter((r) => r.event === 'start').map((r) => r.jobId);
    expect(starts.slice(0, 2)).toEqual([high.id, low.id]);
    expect((await queue.get(later.id)).state).toBe(JobState.Pending);
    await jobs.expectEnqueued('test.echo', { later: true });
    expect(await jobs.enqueued('test.ledger', { states: [JobState.Completed] })).toHaveLength(3);
    // Nothing left: a second drain runs nothing.
    expect((await jobs.drain()).completed).toBe(0);
  });
});
