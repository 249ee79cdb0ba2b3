/**
 * Events (`JobEvents`) in an app that imports EventEmitterModule: each event of a job, in order and
 * with its payload, for a completed job, a job that failed and was retried, cancelled jobs (before
 * and while they run), and pipelines that complete and fail. On PostgreSQL, a producer process
 * hears the completions of jobs a child consumer process ran, and `waitFor()` wakes on them.
 */
import pg from 'pg';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { JobEvents, pipeline } from '../../lib/index.js';
import { drainInChildProcess, runNode } from '../helpers/child-process.js';
import { DB_KINDS, testDbEnv, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, createJobsApp, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { waitUntil } from '../helpers/spawned-process.js';
import { EventCollector, EventJobs } from '../fixtures/event-jobs.js';

/** An app with an event emitter and the collector of what it emits (fresh modules for each app). */
const withEvents = () => ({ imports: [EventEmitterModule.forRoot()], providers: [EventCollector] });

const E = JobEvents;

describe.each(DB_KINDS)('events on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;
  let seen: EventCollector;

  beforeEach(async () => {
    ({ db, t } = await openJobsEnv(kind, {
      imports: [EventEmitterModule.forRoot()],
      providers: [EventJobs, EventCollector],
      jobs: { leaseMs: 1_000, heartbeatMs: 100 },
    }));
    seen = t.app.get(EventCollector);
  });
  afterEach(() => closeJobsEnv({ db, t }));

  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
  const names = (id: string) => seen.of(id).map((e) => e.event);

  it(`${kind}: a completed job: enqueued, started, progress, completed, with their payloads`, async () => {
    const job = await t.queue.enqueue('ev.progress' as never, { n: 21 } as never, { queue: 'events' });
    await drain();
    expect(names(job.id)).toEqual([E.Enqueued, E.Started, E.Progress, E.Completed]);
    const [enqueued, started, progress, completed] = seen.of(job.id).map((e) => e.payload);
    const common = { id: job.id, name: 'ev.progress', queue: 'events', pipelineId: null, step: null, remote: false };
    expect(enqueued).toEqual({ ...common, attempt: 0, runAfter: job.runAfter });
    expect(started).toEqual({ ...common, attempt: 1 });
    expect(progress).toEqual({ ...common, attempt: 1, message: 'halfway', details: { n: 21 } });
    expect(completed).toEqual({ ...common, attempt: 1, output: { doubled: 42 } });
    expect(seen.completedViaDecorator).toEqual([completed]);
  });

  it(`${kind}: a job that fails, is retried and completes: failed with willRetry, then started and completed`, async () => {
    const job = await t.queue.enqueue('test.fail' as never, { failTimes: 1 } as never);
    await drain();
    expect(names(job.id)).toEqual([E.Enqueued, E.Started, E.Failed, E.Started, E.Completed]);
    const [, first, failed, second, completed] = seen.of(job.id).map((e) => e.payload);
    expect(first.attempt).toBe(1);
    expect(failed).toMatchObject({
      attempt: 1,
      willRetry: true,
      error: { name: 'Error', message: 'failure on attempt 1' },
    });
    expect(second.attempt).toBe(2);
    expect(completed).toMatchObject({ attempt: 2, output: { succeededOnAttempt: 2 } });
  });

  it(`${kind}: a job that fails its last attempt: failed with willRetry false`, async () => {
    const job = await t.queue.enqueue('test.throwString' as never);
    await drain();
    expect(names(job.id)).toEqual([E.Enqueued, E.Started, E.Failed]);
    expect(seen.of(job.id)[2]!.payload).toMatchObject({ attempt: 1, willRetry: false });
  });

  it(`${kind}: cancelled before it ran, and while it ran`, async () => {
    const waiting = await t.queue.enqueue('test.sleep' as never, { ms: 60_000 } as never, { queue: 'later' });
    await t.queue.cancel(waiting.id);
    expect(names(waiting.id)).toEqual([E.Enqueued, E.Cancelled]);
    expect(seen.of(waiting.id)[1]!.payload).toMatchObject({ id: waiting.id, attempt: 0, queue: 'later' });

    const running = await t.queue.enqueue('test.sleep' as never, { ms: 60_000 } as never);
    const run = t.consumer.run({ queues: ['default'], pollIntervalMs: 20 });
    await waitUntil(() => names(running.id).includes(E.Started), 'the job to start');
    await t.queue.cancel(running.id);
    await waitUntil(() => names(running.id).includes(E.Cancelled), 'the cancelled event', 15_000);
    await t.consumer.stop();
    await run;
    expect(names(running.id)).toEqual([E.Enqueued, E.Started, E.Cancelled]);
    expect(seen.of(running.id)[2]!.payload).toMatchObject({ attempt: 1, remote: false });
  });

  it(`${kind}: a deduplicated enqueue announces nothing: a held uniqueKey, a unique.forMs hit, a replace of a waiting job`, async () => {
    const enqueuedIds = () => seen.seen.filter((e) => e.event === E.Enqueued).map((e) => e.payload.id as string);
    const later = new Date(Date.now() + 3_600_000);
    const held = await t.queue.enqueue('test.echo' as never, 1 as never, { uniqueKey: 'one', runAfter: later });
    await t.queue.enqueue('test.echo' as never, 2 as never, { uniqueKey: 'one' });
    const [, fresh] = await t.queue.enqueueMany([
      { name: 'test.echo', input: 3, uniqueKey: 'one' },
      { name: 'test.echo', input: 4, uniqueKey: 'two', runAfter: later },
      { name: 'test.echo', input: 5, uniqueKey: 'two' },
    ]);
    const recent = await t.queue.enqueue('test.echo' as never, 6 as never, { unique: { key: 'd', forMs: 60_000 } });
    await t.queue.enqueue('test.echo' as never, 7 as never, { unique: { key: 'd', forMs: 60_000 } });
    const waiting = await t.queue.enqueue('test.echo' as never, 8 as never, { unique: { key: 'r', replace: true } });
    await t.queue.enqueue('test.echo' as never, 9 as never, { unique: { key: 'r', replace: true } });
    expect(enqueuedIds()).toEqual([held.id, fresh!.id, recent.id, waiting.id]);
  });

  it(`${kind}: each run-time schedule occurrence is announced once, by the one of two consumers that enqueued it`, async () => {
    const other = await createJobsApp(db.options, {
      createSchema: false,
      imports: [EventEmitterModule.forRoot()],
      providers: [EventJobs, EventCollector],
    });
    const seenThere = other.app.get(EventCollector);
    try {
      await t.queue.schedule('tick', '* * * * * *', 'test.echo' as never, { tick: true } as never, { queue: 'ticks' });
      const runs = [t, other].map((app) => app.consumer.run({ pollIntervalMs: 20, queues: ['ticks'] }));
      const lastRun = async () => (await t.queue.schedules())[0]!.lastRunAt;
      await waitUntil(async () => (await lastRun()) !== null, 'a first occurrence', 15_000);
      const first = (await lastRun())!.getTime();
      await waitUntil(async () => (await lastRun())!.getTime() > first, 'a second occurrence', 15_000);
      await t.queue.unschedule('tick');
      await Promise.all([t.consumer.stop(), other.consumer.stop()]);
      await Promise.all(runs);
      const rows = await t.orm.em.fork().getConnection().execute(`select id from queue_job where queue = 'ticks'`);
      const ids = rows.map((r: { id: unknown }) => String(r.id)).sort();
      expect(ids.length).toBeGreaterThanOrEqual(2);
      const announced = [...seen.seen, ...seenThere.seen]
        .filter((e) => e.event === E.Enqueued)
        .map((e) => e.payload as { id: string; queue: string; remote: boolean });
      expect(announced.map((e) => e.id).sort()).toEqual(ids);
      expect(announced.every((e) => e.queue === 'ticks' && !e.remote)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it(`${kind}: a pipeline that completes: its steps' events, then pipeline completed`, async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('evented')
        .step('a', 'test.echo', { input: { v: 1 } })
        .step('b', 'test.echo', { input: { v: 2 }, after: 'a' }),
    );
    await drain();
    await waitUntil(() => seen.seen.some((e) => e.event === E.PipelineCompleted), 'the pipeline event');
    const [a, b] = [p.steps.a!.id, p.steps.b!.id];
    expect(names(a)).toEqual([E.Enqueued, E.Started, E.Completed]);
    expect(names(b)).toEqual([E.Enqueued, E.Started, E.Completed]);
    expect(seen.of(b)[2]!.payload).toMatchObject({ pipelineId: p.id, step: 'b' });
    const ended = seen.seen.filter((e) => e.event.startsWith('jobs.pipeline.'));
    expect(ended).toEqual([
      {
        event: E.PipelineCompleted,
        payload: { pipelineId: p.id, name: 'evented', state: 'completed', steps: 2, remote: false },
      },
    ]);
    // After every event of its steps.
    expect(seen.seen.at(-1)!.event).toBe(E.PipelineCompleted);
  });

  it(`${kind}: a pipeline whose step fails: failed (no retry), then pipeline failed`, async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('doomed')
        .step('a', 'test.throwString')
        .step('b', 'test.echo', { input: { v: 2 }, after: 'a' }),
    );
    await drain();
    await waitUntil(() => seen.seen.some((e) => e.event === E.PipelineFailed), 'the pipeline event');
    expect(names(p.steps.a!.id)).toEqual([E.Enqueued, E.Started, E.Failed]);
    expect(seen.of(p.steps.a!.id)[2]!.payload).toMatchObject({ willRetry: false, pipelineId: p.id, step: 'a' });
    const ended = seen.seen.filter((e) => e.event.startsWith('jobs.pipeline.'));
    expect(ended).toEqual([
      {
        event: E.PipelineFailed,
        payload: { pipelineId: p.id, name: 'doomed', state: 'failed', steps: 2, remote: false },
      },
    ]);
  });
});

const onPostgres = DB_KINDS.includes('postgresql') ? describe : describe.skip;

/** The jobs command line in a child process (another process, as an operator's shell is). */
async function runCli(db: TestDatabase, ...args: string[]): Promise<void> {
  const run = await runNode('test/fixtures/jobs-cli.process.ts', { args, env: testDbEnv(db), timeoutMs: 60_000 });
  expect([args, run.code]).toEqual([args, 0]);
}

onPostgres('events across processes on postgresql', () => {
  const kind = 'postgresql' as const;
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    ({ db, t } = await openJobsEnv(kind, withEvents()));
  });
  afterEach(() => closeJobsEnv({ db, t }));

  it('a producer hears the completions of jobs a child consumer process ran, and waitFor wakes on them', async () => {
    const seen = t.app.get(EventCollector);
    const jobs = await t.queue.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ name: 'test.echo', input: { i } })));
    // A safety-net poll far longer than the wait's limit: only the notification can end these waits in time.
    const waits = jobs.map((j) => t.queue.waitFor(j.id, { pollIntervalMs: 600_000, timeoutMs: 45_000 }));
    const child = await drainInChildProcess(testDbEnv(db));
    expect(child.code).toBe(0);
    const done = await Promise.all(waits);
    expect(done.map((j) => j.state)).toEqual(jobs.map(() => 'completed'));
    await waitUntil(
      () => jobs.every((j) => seen.of(j.id).some((e) => e.event === E.Completed)),
      'the completed events',
    );
    for (const [i, j] of jobs.entries()) {
      const events = seen.of(j.id);
      expect(events.map((e) => e.event)).toEqual([E.Enqueued, E.Completed]);
      expect(events[1]!.payload).toEqual({
        id: j.id,
        name: 'test.echo',
        queue: 'default',
        attempt: 1,
        pipelineId: null,
        step: null,
        remote: true,
        output: { i },
      });
    }
  });
});

onPostgres('changes by hand across processes on postgresql', () => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    ({ db, t } = await openJobsEnv('postgresql', withEvents()));
  });
  afterEach(() => closeJobsEnv({ db, t }));

  const cli = (...args: string[]) => runCli(db, ...args);

  it('waitFor wakes on a cancel and a discard of pending jobs in another process; a retry() there is told too', async () => {
    const seen = t.app.get(EventCollector);
    // Queue 'nobody': no consumer here; only the other process's change can end these jobs.
    const [cancelled, discarded] = await t.queue.enqueueMany([
      { name: 'test.echo', input: 1, queue: 'nobody' },
      { name: 'test.echo', input: 2, queue: 'nobody' },
    ]);
    // A safety-net poll far longer than the wait's limit: only the notification can end these waits in time.
    const wait = (id: string) => t.queue.waitFor(id, { pollIntervalMs: 600_000, timeoutMs: 45_000 });
    const waits = [wait(cancelled!.id), wait(discarded!.id)];
    await cli('cancel', cancelled!.id);
    await cli('discard', discarded!.id);
    expect((await Promise.all(waits)).map((j) => j.state)).toEqual(['cancelled', 'cancelled']);
    await waitUntil(
      () => [cancelled!, discarded!].every((j) => seen.of(j.id).some((e) => e.event === E.Cancelled)),
      'the cancelled events',
    );
    for (const j of [cancelled!, discarded!]) {
      expect(seen.of(j.id).map((e) => e.event)).toEqual([E.Enqueued, E.Cancelled]);
      expect(seen.of(j.id)[1]!.payload).toMatchObject({ id: j.id, queue: 'nobody', attempt: 0, remote: true });
    }

    const raw = new pg.Client((t.orm.em.getConnection() as any).mapOptions({}));
    await raw.connect();
    try {
      const heard: string[] = [];
      raw.on('notification', (m) => m.channel === 'queue_job_finished' && heard.push(m.payload ?? ''));
      await raw.query('LISTEN queue_job_finished');
      await cli('retry', cancelled!.id);
      await waitUntil(() => heard.some((p) => p.includes(`["${cancelled!.id}","p",null]`)), 'the retry notice');
      expect((await t.queue.get(cancelled!.id)).state).toBe('pending');
    } finally {
      await raw.end();
    }
  });

  it('waitFor wakes on a pipeline cancelled by another app; its steps are announced', async () => {
    const seen = t.app.get(EventCollector);
    const p = await t.queue.enqueuePipeline(
      pipeline('cancelled-elsewhere')
        .step('a', 'test.echo', { input: { v: 1 } })
        .step('b', 'test.echo', { after: 'a' }),
    );
    const ids = Object.values(p.steps).map((s) => s.id);
    const waits = ids.map((id) => t.queue.waitFor(id, { pollIntervalMs: 600_000, timeoutMs: 45_000 }));
    // Another app on the database (its own notices' source): only the notice can end these waits in time.
    const other = await createJobsApp(db.options, { createSchema: false });
    try {
      await other.queue.cancelPipeline(p.id);
    } finally {
      await other.close();
    }
    expect((await Promise.all(waits)).map((j) => j.state)).toEqual(['cancelled', 'cancelled']);
    await waitUntil(
      () => ids.every((id) => seen.of(id).some((e) => e.event === E.Cancelled && e.payload.remote === true)),
      'the cancelled events, heard from the other app',
    );
  });
});

onPostgres('finished-job notices on postgresql', () => {
  let db: TestDatabase;
  let t: JobsTestApp;

  // No EventEmitterModule and no waitFor: this app never listens for finished jobs itself.
  beforeEach(async () => void ({ db, t } = await openJobsEnv('postgresql', {})));
  afterEach(() => closeJobsEnv({ db, t }));

  it('a consumer sends them only while a process listens, as a listener announces itself (hello, then LISTEN)', async () => {
    const raw = new pg.Client((t.orm.em.getConnection() as any).mapOptions({}));
    await raw.connect();
    const heard: string[] = [];
    const barriers: string[] = [];
    raw.on('notification', (m) => {
      if (m.channel === 'queue_job_finished') heard.push(m.payload ?? '');
      if (m.channel === 'test_barrier') barriers.push(m.payload ?? '');
    });
    // A notice sent after a job's finish committed: notices reach a session in the order their
    // transactions committed, so once it is heard, so is the job's own notice if there was one.
    const barrier = async (tag: string) => {
      await t.orm.em.fork().getConnection().execute(`SELECT pg_notify('test_barrier', ?)`, [tag]);
      await waitUntil(() => barriers.includes(tag), `the barrier notice ${tag}`);
    };
    // Listening, but its last statement is not the LISTEN: the consumer's look at who listens does not see it.
    await raw.query('LISTEN test_barrier');
    await raw.query('LISTEN queue_job_finished');
    await raw.query('SELECT 1');
    const running = t.consumer.run({ pollIntervalMs: 20, schedule: false });
    try {
      const done = async (id: string) =>
        waitUntil(async () => (await t.queue.get(id)).state === 'completed', `job ${id} completed`);
      // The first finishes are told (until the consumer's first look at who listens comes back);
      // from then on, finishes go untold. Jobs one at a time until one is not heard.
      let unheard: string | undefined;
      for (let i = 0; i < 30 && unheard === undefined; i++) {
        const job = await t.queue.enqueue('test.echo', { i });
        await done(job.id);
        await barrier(job.id);
        if (!heard.some((p) => p.includes(`"${job.id}"`))) unheard = job.id;
      }
      expect(unheard).toBeDefined();

      await raw.query(`SELECT pg_notify('queue_job_ready', 'finished-listener')`);
      await raw.query('LISTEN queue_job_finished');
      const told = await t.queue.enqueue('test.echo', { i: -1 });
      await done(told.id);
      await waitUntil(
        () => heard.some((p) => p.includes(`"${told.id}"`)),
        'the notice of the job finished after the hello',
      );
      expect(heard.join()).not.toContain(`"${unheard}"`);
    } finally {
      await t.consumer.stop();
      await running;
      await raw.end();
    }
  });
});

const onMariadb = DB_KINDS.includes('mariadb') ? describe : describe.skip;

// MariaDB has no channel between processes: a producer learns of another process's finishes only by
// reading the job (waitFor's poll), and its emitter tells nothing it did not see happen itself.
onMariadb('events across processes on mariadb', () => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    ({ db, t } = await openJobsEnv('mariadb', withEvents()));
  });
  afterEach(() => closeJobsEnv({ db, t }));

  it("a producer's waitFor sees the completions of jobs a child consumer process ran, by its poll; no remote events", async () => {
    const seen = t.app.get(EventCollector);
    const jobs = await t.queue.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ name: 'test.echo', input: { i } })));
    const waits = jobs.map((j) => t.queue.waitFor(j.id, { pollIntervalMs: 50, timeoutMs: 45_000 }));
    const child = await drainInChildProcess(testDbEnv(db));
    expect(child.code).toBe(0);
    const done = await Promise.all(waits);
    expect(done.map((j) => [j.state, j.output])).toEqual(jobs.map((_, i) => ['completed', { i }]));
    for (const j of jobs) expect(seen.of(j.id).map((e) => e.event)).toEqual([E.Enqueued]);
  });

  it('waitFor sees a cancel and a discard of pending jobs in another process, by its poll; a retry() there re-opens one; no remote events', async () => {
    const seen = t.app.get(EventCollector);
    const [cancelled, discarded] = await t.queue.enqueueMany([
      { name: 'test.echo', input: 1, queue: 'nobody' },
      { name: 'test.echo', input: 2, queue: 'nobody' },
    ]);
    const waits = [cancelled!, discarded!].map((j) => t.queue.waitFor(j.id, { pollIntervalMs: 50, timeoutMs: 45_000 }));
    await runCli(db, 'cancel', cancelled!.id);
    await runCli(db, 'discard', discarded!.id);
    expect((await Promise.all(waits)).map((j) => j.state)).toEqual(['cancelled', 'cancelled']);
    for (const j of [cancelled!, discarded!]) expect(seen.of(j.id).map((e) => e.event)).toEqual([E.Enqueued]);
    await runCli(db, 'retry', cancelled!.id);
    expect((await t.queue.get(cancelled!.id)).state).toBe('pending');
  });
});
