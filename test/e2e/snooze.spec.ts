/**
 * Snooze: a handler ends its attempt without counting it (`ctx.snooze(ms)` or `throw new
 * SnoozeJob(ms)`), and the job runs again after the delay, on the database's clock; fenced like
 * every finish write.
 */
import { Injectable } from '@nestjs/common';
import { InvalidJobOptionsError, Job, JobState, SnoozeJob, type JobContext } from '../../lib/index.js';
import { JobStore } from '../../lib/persistence/job.store.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';

/** Runs per job id, across attempts (a snoozed run does not change ctx.attempt). */
const runs = new Map<string, number>();

/** An upstream that says "come back later" `busyTimes` times. */
@Injectable()
class Upstream {
  call(jobId: string, busyTimes: number, delayMs: number) {
    const n = (runs.get(jobId) ?? 0) + 1;
    runs.set(jobId, n);
    if (n <= busyTimes) throw new SnoozeJob(delayMs);
    return { answeredOnRun: n };
  }
}

@Injectable()
class SnoozeJobs {
  constructor(private readonly upstream: Upstream) {}

  @Job('snooze.ctx', { maxAttempts: 1 })
  viaContext(input: { busyTimes: number; delayMs: number }, ctx: JobContext) {
    const n = (runs.get(ctx.jobId) ?? 0) + 1;
    runs.set(ctx.jobId, n);
    if (n <= input.busyTimes) return ctx.snooze(input.delayMs);
    return { attempt: ctx.attempt, run: n };
  }

  /** Snoozes from a service the handler calls, by throwing. */
  @Job('snooze.thrown', { maxAttempts: 1 })
  viaService(input: { busyTimes: number; delayMs: number }, ctx: JobContext) {
    return this.upstream.call(ctx.jobId, input.busyTimes, input.delayMs);
  }

  @Job('snooze.bad', { maxAttempts: 1 })
  bad(input: { delayMs: unknown }, ctx: JobContext) {
    return ctx.snooze(input.delayMs as number);
  }
}

describe.each(DB_KINDS)('snooze on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    runs.clear();
    ({ db, t } = await openJobsEnv(kind, { providers: [Upstream, SnoozeJobs] }));
  });
  afterEach(() => closeJobsEnv({ db, t }));

  it.each(['snooze.ctx', 'snooze.thrown'])('%s: snoozed runs do not use attempts up; each is logged', async (name) => {
    // maxAttempts 1: two snoozes and a run still fit, as snoozes do not count.
    const job = await t.queue.enqueue(name, { busyTimes: 2, delayMs: 0 });
    const summary = await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect(summary).toMatchObject({ processed: 1, completed: 1, failed: 0, snoozed: 2 });
    const done = await t.queue.get(job.id);
    expect(done).toMatchObject({ state: JobState.Completed, attempts: 1, error: null });
    expect(done.attemptLog.map((e) => [e.attempt, e.outcome, e.delayMs])).toEqual([
      [1, 'snoozed', 0],
      [1, 'snoozed', 0],
    ]);
    expect(typeof done.attemptLog[0]!.consumer).toBe('string');
  });

  it('the job is due again the delay after the database clock, attempts given back', async () => {
    const job = await t.queue.enqueue('snooze.ctx', { busyTimes: 1, delayMs: 90_000 });
    const summary = await t.consumer.run({ maxJobs: 1, pollIntervalMs: 20 });
    expect(summary).toMatchObject({ processed: 0, snoozed: 1 });
    const later = await t.queue.get(job.id);
    expect(later).toMatchObject({ state: JobState.Pending, attempts: 0, finishedAt: null });
    // The log entry's time and the new runAfter come from one statement, one database clock.
    expect(later.runAfter.getTime() - new Date(later.attemptLog[0]!.at).getTime()).toBe(90_000);
    expect(await t.queue.queueDepths()).toEqual({
      default: { pending: 1, due: 0, scheduled: 1, running: 0, blocked: 0 },
    });
    // Not due: an untilEmpty consumer finds nothing.
    expect((await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 })).processed).toBe(0);
  });

  it.each([[-1], [1.5], ['soon']])(
    'a bad delay (%p) fails the attempt with InvalidJobOptionsError',
    async (delayMs) => {
      const job = await t.queue.enqueue('snooze.bad', { delayMs });
      await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
      const failed = await t.queue.get(job.id);
      expect(failed).toMatchObject({
        state: JobState.Failed,
        attempts: 1,
        error: { name: InvalidJobOptionsError.name },
      });
    },
  );

  it('is fenced: a snooze from a consumer that no longer holds the job changes nothing', async () => {
    const store = t.app.get(JobStore);
    const job = await t.queue.enqueue('snooze.ctx', { busyTimes: 1, delayMs: 1000 });
    const [claimed] = await store.claim({ consumerId: 'c1', limit: 1, leaseMs: 30_000, names: ['snooze.ctx'] });
    const log = JSON.stringify({ attempt: 1, outcome: 'snoozed', delayMs: 1000 });
    const before = await t.queue.get(job.id);
    for (const [consumer, attempt] of [
      ['c2', 1],
      ['c1', 2],
    ] as const) {
      const applied = await store.finish(consumer, {
        completed: [],
        failed: [],
        released: [],
        snoozed: [{ id: claimed!.id, attempt, delay_ms: 1000, log }],
      });
      expect(applied.size).toBe(0);
      expect(await t.queue.get(job.id)).toEqual(before);
    }
    // A cancel requested meanwhile wins: the snooze ends it cancelled.
    await t.queue.cancel(job.id);
    const applied = await store.finish('c1', {
      completed: [],
      failed: [],
      released: [],
      snoozed: [{ id: claimed!.id, attempt: 1, delay_ms: 1000, log }],
    });
    expect([...applied.keys()]).toEqual([job.id]);
    expect(await t.queue.get(job.id)).toMatchObject({ state: JobState.Cancelled, attempts: 1 });
  });
});
