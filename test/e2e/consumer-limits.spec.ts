/**
 * JobConsumer.run() and stop(): graceful stop with a running job, maxJobs, timeoutMs, untilEmpty,
 * real concurrency (seen in ledger rows, not clocks), and jobs whose name this consumer has no
 * handler for.
 */
import { Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/core';
import { ConsumerState, InvalidJobOptionsError, Job, JobState, type JobContext } from '../../lib/index.js';
import { LedgerEntrySchema } from '../fixtures/ledger.entity.js';
import { createTestDatabase, DB_KINDS, testDbEnv, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { deferred, ledgerRows, maxOverlap } from '../helpers/job-rows.js';
import { RELIABILITY_CONSUMER } from '../helpers/reliability.util.js';
import { killAll, spawnNode, waitUntil } from '../helpers/spawned-process.js';

/** Lets a test hold handlers and see when they start. */
const gate = {
  started: deferred(),
  release: deferred(),
  reset() {
    this.started = deferred();
    this.release = deferred();
  },
};

/** Groups of handlers that wait until `size` of their group are running at once. */
const barriers = new Map<string, { arrived: number; all: ReturnType<typeof deferred<void>> }>();

async function writeLedger(ctx: JobContext, event: string) {
  const em = ctx.em.fork();
  em.create(LedgerEntrySchema, {
    jobId: ctx.jobId,
    attempt: ctx.attempt,
    consumer: 'in-process',
    event,
    at: new Date(),
  });
  await em.flush();
}

@Injectable()
class ControlledJobs {
  /** Starts, tells the test, and finishes only when the test releases it. */
  @Job('control.hold')
  async hold(_input: unknown, ctx: JobContext) {
    await writeLedger(ctx, 'start');
    gate.started.resolve();
    await gate.release.promise;
    await writeLedger(ctx, 'finish');
    return { released: true };
  }

  /** Finishes only once `size` jobs of its group have started: proof that they ran side by side. */
  @Job('control.barrier')
  async barrier(input: { group: string; size: number }, ctx: JobContext) {
    await writeLedger(ctx, 'start');
    let b = barriers.get(input.group);
    if (!b) barriers.set(input.group, (b = { arrived: 0, all: deferred<void>() }));
    if (++b.arrived >= input.size) b.all.resolve();
    await Promise.race([
      b.all.promise,
      new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })),
    ]);
    await writeLedger(ctx, 'finish');
  }
}

/** Another application's handlers: shares the database, knows none of the fixture jobs. */
@Injectable()
class OtherAppJobs {
  @Job('other.only')
  only() {
    return 'other';
  }
}

describe.each(DB_KINDS)('consumer run options on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    gate.reset();
    barriers.clear();
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options, { providers: [ControlledJobs] });
  });

  afterEach(async () => {
    gate.release.resolve();
    await t.close();
    await db.drop();
  });

  it('stop() is graceful: no new claims, the running job finishes, run() and stop() resolve', async () => {
    const held = await t.queue.enqueue('control.hold');
    const events: string[] = [];
    const run = t.consumer.run({ concurrency: 1, pollIntervalMs: 20 }).then((summary) => {
      events.push('run resolved');
      return summary;
    });
    await gate.started.promise;
    // Enqueued while the consumer stops: it must stay pending.
    const stopping = t.consumer.stop().then(() => events.push('stop resolved'));
    const late = await t.queue.enqueue('test.echo', { late: true });
    setTimeout(() => {
      events.push('released');
      gate.release.resolve();
    }, 200);
    const summary = await run;
    await stopping;
    expect(events[0]).toBe('released');
    expect(summary).toMatchObject({ completed: 1, aborted: 0 });
    expect(await t.queue.get(held.id)).toMatchObject({ state: JobState.Completed, output: { released: true } });
    expect((await t.queue.get(late.id)).state).toBe(JobState.Pending);
    expect((await ledgerRows(t.orm)).map((r) => r.event)).toEqual(['start', 'finish']);
  });

  it('stop() of an idle consumer resolves without waiting for its poll interval', async () => {
    const run = t.consumer.run({ pollIntervalMs: 600_000 });
    await new Promise((r) => setImmediate(r));
    await t.consumer.stop();
    expect((await run).processed).toBe(0);
  });

  // PostgreSQL only: SQLite has no NOTIFY, its consumers poll.
  if (kind === 'postgresql')
    it('an idle consumer wakes on NOTIFY for each way of enqueueing, not at its poll', async () => {
      // A 10-minute poll: only the notification can start these jobs within the test's time. One
      // enqueue is a single statement (insert and NOTIFY together); a unique key or { em } goes
      // through a transaction with a separate NOTIFY.
      const run = t.consumer.run({ pollIntervalMs: 600_000 });
      // The consumer's LISTEN connection is up (it claims once more when it is, then sleeps).
      const listening = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN queue_job_ready' AND datname = current_database()`;
      await waitUntil(
        async () => (await t.orm.em.getConnection().execute(listening))[0].n > 0,
        'the LISTEN connection',
      );
      const ways: [string, () => Promise<{ id: string }>][] = [
        ['enqueue', () => t.queue.enqueue('test.echo', 1)],
        [
          'enqueueMany',
          async () =>
            (
              await t.queue.enqueueMany([
                { name: 'test.echo', input: 2 },
                { name: 'test.echo', input: 3 },
              ])
            )[1]!,
        ],
        ['uniqueKey', () => t.queue.enqueue('test.echo', 4, { uniqueKey: 'wake:1' })],
        ['em', () => t.orm.em.fork().transactional((em: EntityManager) => t.queue.enqueue('test.echo', 5, { em }))],
      ];
      for (const [way, enqueue] of ways) {
        const job = await enqueue();
        const done = await t.queue.waitFor(job.id, { timeoutMs: 10_000 }).catch((err: Error) => err);
        expect([way, done instanceof Error ? done.message : done.state]).toEqual([way, JobState.Completed]);
      }
      await t.consumer.stop();
      await run;
    });

  // MariaDB (and SQLite) have no NOTIFY: another process's enqueue reaches an idle consumer at its
  // next claim. The poll is adaptive: every 50 ms after a claim that found jobs, doubling with each
  // empty one up to pollIntervalMs. Enqueues in the consumer's own process wake it at once.
  if (kind === 'mariadb')
    it('without NOTIFY, jobs another process enqueues while jobs flow are found by the adaptive poll, not at the poll interval', async () => {
      // A 10-minute poll interval: only the adaptive poll can find the other process's jobs within
      // the test's time. Another process (no consumer of its own) waits, booted, for the first job
      // to finish, then enqueues five, each once the one before it has finished: the consumer here
      // hears nothing of them and must find each by polling while jobs flow.
      const first = await t.queue.enqueue('test.echo', 0);
      const producer = spawnNode(RELIABILITY_CONSUMER, {
        env: {
          ...testDbEnv(db),
          CONSUMER_OPTIONS: 'none',
          ENQUEUE_AFTER: first.id,
          ENQUEUE: JSON.stringify([1, 2, 3, 4, 5].map((i) => ({ name: 'test.echo', input: i }))),
          ENQUEUE_ONE_BY_ONE: '1',
        },
      });
      await producer.waitFor(/^WAITING$/m, 100_000);
      const run = t.consumer.run({ pollIntervalMs: 600_000 }); // its first claim finds the first job
      try {
        const ids = JSON.parse((await producer.waitFor(/ENQUEUED (\[.*\])/, 100_000))[1]!) as string[];
        const done = await Promise.all(ids.map((id) => t.queue.get(id)));
        expect(done.map((j) => [j.state, j.output])).toEqual([1, 2, 3, 4, 5].map((i) => [JobState.Completed, i]));
      } finally {
        await killAll();
      }
      await t.consumer.stop();
      expect((await run).completed).toBe(6); // all six ran here
    }, 240_000);

  it('stop() called in the same tick as run() still stops it', async () => {
    const job = await t.queue.enqueue('test.echo', 1);
    const run = t.consumer.run({ pollIntervalMs: 600_000 });
    await t.consumer.stop();
    const summary = await run; // before the fix this never resolved: the stop was lost
    // Whether the job ran or was handed back, it is never left claimed by a stopped consumer.
    const after = await t.queue.get(job.id);
    expect([JobState.Pending, JobState.Completed]).toContain(after.state);
    expect(summary.completed).toBe(after.state === JobState.Completed ? 1 : 0);
  });

  it('maxJobs stops after that many attempts and hands back what it had claimed', async () => {
    const jobs = await t.queue.enqueueMany([1, 2, 3, 4, 5].map((n) => ({ name: 'test.echo', input: n })));
    const summary = await t.consumer.run({ maxJobs: 2, concurrency: 1, pollIntervalMs: 20 });
    expect(summary.processed).toBe(2);
    const states = await Promise.all(jobs.map(async (j) => await t.queue.get(j.id)));
    expect(states.filter((j) => j.state === JobState.Completed)).toHaveLength(2);
    const rest = states.filter((j) => j.state === JobState.Pending);
    expect(rest).toHaveLength(3);
    for (const j of rest) expect(j.attempts).toBe(0);
  });

  it('maxJobs counts failed attempts too', async () => {
    await t.queue.enqueueMany([
      { name: 'test.fail', input: { message: 'x' }, maxAttempts: 1 },
      { name: 'test.fail', input: { message: 'y' }, maxAttempts: 1 },
      { name: 'test.echo', input: 1 },
    ]);
    const summary = await t.consumer.run({ maxJobs: 2, concurrency: 1, pollIntervalMs: 20 });
    expect(summary).toMatchObject({ processed: 2, failed: 2, completed: 0 });
  });

  it('timeoutMs stops claiming but never abandons a running job', async () => {
    // The job outlasts the consumer's timeout by far; the claim itself comes well within it.
    const slow = await t.queue.enqueue('test.sleep', { ms: 1_500 });
    const summary = await t.consumer.run({ timeoutMs: 1_000, pollIntervalMs: 10 });
    expect(summary.completed).toBe(1);
    expect(await t.queue.get(slow.id)).toMatchObject({ state: JobState.Completed, output: { slept: 1_500 } });
    // With nothing to do it simply stops.
    expect((await t.consumer.run({ timeoutMs: 50, pollIntervalMs: 10 })).processed).toBe(0);
  });

  it('untilEmpty stops when nothing is due, after the retries of jobs that failed here', async () => {
    const future = await t.queue.enqueue('test.echo', 'later', { runAfter: new Date(Date.now() + 3_600_000) });
    const flaky = await t.queue.enqueue('test.fail', { failTimes: 2 });
    const jobs = await t.queue.enqueueMany([1, 2, 3].map((n) => ({ name: 'test.echo', input: n })));
    const summary = await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect(summary).toMatchObject({ completed: 4, failed: 2 });
    expect((await t.queue.get(flaky.id)).state).toBe(JobState.Completed);
    for (const j of jobs) expect((await t.queue.get(j.id)).state).toBe(JobState.Completed);
    expect((await t.queue.get(future.id)).state).toBe(JobState.Pending);
  });

  it('concurrency N runs N jobs at once, and never more', async () => {
    const items = ['a', 'a', 'a', 'b', 'b', 'b'].map((group) => ({
      name: 'control.barrier',
      input: { group, size: 3 },
    }));
    await t.queue.enqueueMany(items);
    const summary = await t.consumer.run({ concurrency: 3, untilEmpty: true, pollIntervalMs: 20 });
    expect(summary.completed).toBe(6);
    const rows = await ledgerRows(t.orm);
    expect(rows.filter((r) => r.event === 'start')).toHaveLength(6);
    expect(maxOverlap(rows)).toBe(3);
  });

  it('concurrency 1 runs one job at a time', async () => {
    await t.queue.enqueueMany([1, 2, 3, 4].map(() => ({ name: 'test.ledger', input: { ms: 20 } })));
    await t.consumer.run({ concurrency: 1, untilEmpty: true, pollIntervalMs: 20 });
    const rows = await ledgerRows(t.orm);
    expect(rows).toHaveLength(8);
    expect(maxOverlap(rows)).toBe(1);
  });

  it('a busy consumer does not keep a job it has not started from an idle one', async () => {
    const held = await t.queue.enqueue('control.hold');
    const waiting = await t.queue.enqueue('test.echo', { n: 1 });
    const busy = t.consumer.run({ concurrency: 1, pollIntervalMs: 20 });
    await gate.started.promise;
    // The held job runs; the other one is not started, so it must still be there for others.
    expect((await t.queue.get(waiting.id)).state).toBe(JobState.Pending);
    const idle = await t.consumer.run({ concurrency: 1, untilEmpty: true, include: ['test.echo'], pollIntervalMs: 20 });
    expect(idle.completed).toBe(1);
    expect((await t.queue.get(waiting.id)).state).toBe(JobState.Completed);
    gate.release.resolve();
    await t.consumer.stop();
    await busy;
    expect((await t.queue.get(held.id)).state).toBe(JobState.Completed);
  });

  it('a job whose name this consumer has no handler for stays pending for one that has it', async () => {
    const job = await t.queue.enqueue('test.gpu', { n: 1 });
    // A second application on the same database, without the fixture handlers.
    const other = await createJobsApp(db.options, { fixtures: false, providers: [OtherAppJobs], createSchema: false });
    try {
      const mine = await other.queue.enqueue('other.only');
      const summary = await other.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
      expect(summary.completed).toBe(1);
      expect((await other.queue.get(mine.id)).state).toBe(JobState.Completed);
      const untouched = await other.queue.get(job.id);
      expect(untouched).toMatchObject({ state: JobState.Pending, attempts: 0, error: null });
      expect(await other.queue.queueDepths()).toEqual({
        default: { pending: 1, due: 1, scheduled: 0, running: 0, blocked: 0 },
      });
    } finally {
      await other.close();
    }
    const summary = await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect(summary.completed).toBe(1);
    expect((await t.queue.get(job.id)).state).toBe(JobState.Completed);
  });

  it.each([
    [{ concurrency: 0 }, 'concurrency'],
    [{ maxJobs: -1 }, 'maxJobs'],
    [{ pollIntervalMs: 'fast' }, 'pollIntervalMs'],
    [{ untilEmpty: 'yes' }, 'untilEmpty'],
    [{ exclude: 'test.gpu' }, 'exclude'],
  ])('bad options %j fail with InvalidJobOptionsError naming them', async (options, option) => {
    const error = (await t.consumer.run(options as any).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(InvalidJobOptionsError);
    expect(error.message).toContain(option);
  });

  it('ConsumerState is a frozen const object', () => {
    expect(Object.isFrozen(ConsumerState)).toBe(true);
    expect(Object.values(ConsumerState)).toEqual(['created', 'running', 'stopping', 'stopped']);
    expect(Object.isFrozen(JobState)).toBe(true);
  });
});
