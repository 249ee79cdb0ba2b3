/**
 * What a handler gets: its JobContext (jobId, name, queue, attempt, maxAttempts, an AbortSignal,
 * progress notes) and an EntityManager forked for that job alone.
 */
import { Injectable } from '@nestjs/common';
import { Job, JobState, type JobContext } from '../../lib/index.js';
import { LedgerEntrySchema } from '../fixtures/ledger.entity.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { countRows, deferred } from '../helpers/job-rows.js';

const seen: JobContext[] = [];
const bothStarted = { count: 0, all: deferred<void>() };

@Injectable()
class ContextJobs {
  @Job('ctx.inspect', { queue: 'inspect', maxAttempts: 2, backoff: { baseMs: 10, jitter: false } })
  async inspect(input: { failFirst?: boolean }, ctx: JobContext) {
    seen.push(ctx);
    await ctx.progress('halfway', { step: 1 });
    if (input.failFirst && ctx.attempt === 1) throw new Error('first attempt fails');
    return {
      jobId: ctx.jobId,
      name: ctx.name,
      queue: ctx.queue,
      attempt: ctx.attempt,
      maxAttempts: ctx.maxAttempts,
      signalIsAbortSignal: ctx.signal instanceof AbortSignal,
      aborted: ctx.signal.aborted,
    };
  }

  /** Two of these run at once; each stages an entity in its own em, and only one flushes. */
  @Job('ctx.em')
  async em(input: { flush: boolean }, ctx: JobContext) {
    ctx.em.create(LedgerEntrySchema, {
      jobId: ctx.jobId,
      attempt: ctx.attempt,
      consumer: 'ctx',
      event: input.flush ? 'kept' : 'dropped',
      at: new Date(),
    });
    if (++bothStarted.count === 2) bothStarted.all.resolve();
    await bothStarted.all.promise;
    if (input.flush) await ctx.em.flush();
    return { unitOfWork: ctx.em.getUnitOfWork().getPersistStack().size };
  }
}

describe.each(DB_KINDS)('job context on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    seen.length = 0;
    bothStarted.count = 0;
    bothStarted.all = deferred<void>();
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options, { providers: [ContextJobs] });
  });

  afterEach(async () => {
    await t.close();
    await db.drop();
  });

  it('gives jobId, name, queue, attempt, maxAttempts and an AbortSignal; progress is stored', async () => {
    const job = await t.queue.enqueue('ctx.inspect', { failFirst: true });
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const done = await t.queue.get(job.id);
    expect(done.state).toBe(JobState.Completed);
    expect(done.output).toEqual({
      jobId: job.id,
      name: 'ctx.inspect',
      queue: 'inspect',
      attempt: 2,
      maxAttempts: 2,
      signalIsAbortSignal: true,
      aborted: false,
    });
    expect(seen.map((c) => c.attempt)).toEqual([1, 2]);
    expect(done.progress).toEqual({ message: 'halfway', details: { step: 1 } });
    // Each attempt had its own signal and its own EntityManager.
    expect(seen[0]!.signal).not.toBe(seen[1]!.signal);
    expect(seen[0]!.em).not.toBe(seen[1]!.em);
    expect(seen[0]!.em).not.toBe(t.orm.em);
  });

  it("each job has its own forked EntityManager: one job's unflushed entities never leak into another's flush", async () => {
    const [kept, dropped] = await t.queue.enqueueMany([
      { name: 'ctx.em', input: { flush: true } },
      { name: 'ctx.em', input: { flush: false } },
    ]);
    await t.consumer.run({ untilEmpty: true, concurrency: 2, pollIntervalMs: 20 });
    expect((await t.queue.get(kept!.id)).state).toBe(JobState.Completed);
    expect((await t.queue.get(dropped!.id)).output).toEqual({ unitOfWork: 1 });
    expect(await countRows(t.orm, 'test_ledger')).toBe(1);
    const [row] = await t.orm.em.fork().find(LedgerEntrySchema, {});
    expect(row).toMatchObject({ jobId: kept!.id, event: 'kept' });
  });
});
