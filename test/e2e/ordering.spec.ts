/**
 * Which job runs first, and which consumer may take it: priority (higher first), then runAfter,
 * then creation order; runAfter in the future; include/exclude lists and queues. The order is the
 * order of the ledger rows a concurrency-1 consumer writes as each job starts.
 */
import { Injectable } from '@nestjs/common';
import { InvalidJobOptionsError, Job, JobState, type EnqueueManyItem } from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { deferred, ledgerRows } from '../helpers/job-rows.js';
import { JobStore } from '../../lib/persistence/job.store.js';

const holdGate = { started: deferred<void>(), release: deferred<void>() };

@Injectable()
class HoldJobs {
  /** Runs until the test releases it. */
  @Job('order.hold')
  async hold() {
    holdGate.started.resolve();
    await holdGate.release.promise;
  }
}

describe.each(DB_KINDS)('claim order and filters on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    holdGate.started = deferred<void>();
    holdGate.release = deferred<void>();
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options, { providers: [HoldJobs] });
  });

  afterEach(async () => {
    holdGate.release.resolve();
    await t.close();
    await db.drop();
  });

  /** Enqueues labelled ledger jobs, drains them one at a time, and returns the labels in run order. */
  async function runOrder(items: (Omit<EnqueueManyItem, 'name'> & { label: string })[]): Promise<string[]> {
    const jobs = await t.queue.enqueueMany(
      items.map(({ label: _label, ...rest }) => ({ name: 'test.ledger', input: null, ...rest })),
    );
    const labelOf = new Map(jobs.map((j, i) => [j.id, items[i]!.label]));
    const summary = await t.consumer.run({ untilEmpty: true, concurrency: 1, pollIntervalMs: 20 });
    expect(summary.completed).toBe(items.length);
    const starts = (await ledgerRows(t.orm)).filter((r) => r.event === 'start');
    return starts.map((r) => labelOf.get(r.jobId)!);
  }

  it('runs higher priorities first, then creation order', async () => {
    const order = await runOrder([
      { label: 'a0', priority: 0 },
      { label: 'b5', priority: 5 },
      { label: 'c0', priority: 0 },
      { label: 'd10', priority: 10 },
      { label: 'e5', priority: 5 },
      { label: 'f-3', priority: -3 },
      { label: 'g0' },
    ]);
    expect(order).toEqual(['d10', 'b5', 'e5', 'a0', 'c0', 'g0', 'f-3']);
  });

  it('a higher priority enqueued while the consumer is busy runs before lower ones it has not started', async () => {
    const [held, low] = await t.queue.enqueueMany([
      { name: 'order.hold', input: null, priority: 50 },
      { name: 'test.ledger', input: null, priority: 0 },
    ]);
    const run = t.consumer.run({ concurrency: 1, untilEmpty: true, pollIntervalMs: 20 });
    await holdGate.started.promise;
    const high = await t.queue.enqueue('test.ledger', null, { priority: 10 });
    holdGate.release.resolve();
    await run;
    const starts = (await ledgerRows(t.orm)).filter((r) => r.event === 'start').map((r) => r.jobId);
    expect(starts).toEqual([high.id, low!.id]);
    expect((await t.queue.get(held!.id)).state).toBe(JobState.Completed);
  });

  it('within one priority, an earlier runAfter first, then creation order', async () => {
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo);
    const order = await runOrder([
      { label: 'late', runAfter: at(10_000) },
      { label: 'earliest', runAfter: at(300_000) },
      { label: 'tie1', runAfter: at(60_000) },
      { label: 'tie2', runAfter: at(60_000) },
      { label: 'urgent-but-recent', runAfter: at(1_000), priority: 1 },
    ]);
    expect(order).toEqual(['urgent-but-recent', 'earliest', 'tie1', 'tie2', 'late']);
  });

  // While a finish is being written (its transaction open), a claim elsewhere must still get every
  // due job, in order. MariaDB's finish used to scan and lock every row of a small table (a join on
  // JSON_TABLE without the ids on the table's side): the claim's SKIP LOCKED then passed them all
  // over. SQLite has one connection: a claim waits for the write there.
  if (kind !== 'sqlite')
    it('a claim while another consumer writes a finish gets every due job, in order', async () => {
      const store = t.app.get(JobStore);
      const [running] = await t.queue.enqueueMany([{ name: 'test.ledger', input: null, priority: 9 }]);
      const claim = (consumerId: string, limit: number) =>
        store.claim({ consumerId, limit, leaseMs: 30_000, names: ['test.ledger'] });
      expect((await claim('finisher', 1)).map((j) => j.id)).toEqual([running!.id]);
      const now = Date.now();
      const due = await t.queue.enqueueMany(
        [300, 60, 60, 10].map((s) => ({
          name: 'test.ledger' as const,
          input: null,
          runAfter: new Date(now - s * 1_000),
        })),
      );
      const inside = store as unknown as {
        transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T>;
        dialect: { complete(tx: unknown, consumerId: string, jobs: object[]): Promise<unknown> };
      };
      const claimed = await inside.transaction(async (tx) => {
        await inside.dialect.complete(tx, 'finisher', [{ id: running!.id, attempt: 1, output: 'null' }]);
        return claim('other', 10); // on another connection, while the finish is uncommitted
      });
      expect(claimed.map((j) => j.id)).toEqual(due.map((j) => j.id));
    });

  it('does not claim a job before its runAfter, and runs it once it is due', async () => {
    // Far enough ahead that the first drain below is over long before it (even on a loaded machine).
    const runAfter = new Date(Date.now() + 2_500);
    const later = await t.queue.enqueue('test.echo', { later: true }, { runAfter });
    const now = await t.queue.enqueue('test.echo', { now: true });

    const first = await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect(first.completed).toBe(1);
    expect((await t.queue.get(now.id)).state).toBe(JobState.Completed);
    const waiting = await t.queue.get(later.id);
    expect(waiting.state).toBe(JobState.Pending);
    expect(waiting.attempts).toBe(0);

    // A long-running consumer picks it up when it falls due; wait on the job's state.
    const running = t.consumer.run({ pollIntervalMs: 50 });
    const done = await t.queue.waitFor(later.id, { timeoutMs: 20_000, pollIntervalMs: 50 });
    await t.consumer.stop();
    await running;
    expect(done.state).toBe(JobState.Completed);
    // Claimed by the database clock: it started no earlier than its runAfter.
    expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(runAfter.getTime());
  });

  it('exclude leaves those jobs for a consumer that includes them', async () => {
    const [echo, gpu, echo2] = await t.queue.enqueueMany([
      { name: 'test.echo', input: 1 },
      { name: 'test.gpu', input: 2, priority: 100 },
      { name: 'test.echo', input: 3 },
    ]);
    const cpu = await t.consumer.run({ exclude: ['test.gpu'], untilEmpty: true, pollIntervalMs: 20 });
    expect(cpu.completed).toBe(2);
    expect((await t.queue.get(echo!.id)).state).toBe(JobState.Completed);
    expect((await t.queue.get(echo2!.id)).state).toBe(JobState.Completed);
    expect((await t.queue.get(gpu!.id)).state).toBe(JobState.Pending);

    const gpuBox = await t.consumer.run({ include: ['test.gpu'], untilEmpty: true, pollIntervalMs: 20 });
    expect(gpuBox.completed).toBe(1);
    expect((await t.queue.get(gpu!.id)).state).toBe(JobState.Completed);
  });

  it('include limits a consumer to those names', async () => {
    const jobs = await t.queue.enqueueMany([
      { name: 'test.echo', input: 1 },
      { name: 'test.gpu', input: 2 },
      { name: 'test.greet', input: { name: 'x', times: 1 } },
      { name: 'test.echo', input: 4 },
    ]);
    const summary = await t.consumer.run({ include: ['test.echo'], untilEmpty: true, pollIntervalMs: 20 });
    expect(summary.completed).toBe(2);
    const states = await Promise.all(jobs.map(async (j) => (await t.queue.get(j.id)).state));
    expect(states).toEqual([JobState.Completed, JobState.Pending, JobState.Pending, JobState.Completed]);
  });

  it('queues limits a consumer to jobs of those queues', async () => {
    const jobs = await t.queue.enqueueMany([
      { name: 'test.echo', input: 1, queue: 'mail' },
      { name: 'test.echo', input: 2 },
      { name: 'test.echo', input: 3, queue: 'reports' },
      { name: 'test.echo', input: 4, queue: 'mail' },
    ]);
    const mail = await t.consumer.run({ queues: ['mail'], untilEmpty: true, pollIntervalMs: 20 });
    expect(mail.completed).toBe(2);
    let states = await Promise.all(jobs.map(async (j) => (await t.queue.get(j.id)).state));
    expect(states).toEqual([JobState.Completed, JobState.Pending, JobState.Pending, JobState.Completed]);
    expect(await t.queue.queueDepths()).toEqual({
      default: { pending: 1, due: 1, scheduled: 0, running: 0, blocked: 0 },
      reports: { pending: 1, due: 1, scheduled: 0, running: 0, blocked: 0 },
    });
    await t.consumer.run({ queues: ['default', 'reports'], untilEmpty: true, pollIntervalMs: 20 });
    states = await Promise.all(jobs.map(async (j) => (await t.queue.get(j.id)).state));
    expect(states.every((s) => s === JobState.Completed)).toBe(true);
  });

  it('include naming a job with no handler fails with InvalidJobOptionsError', async () => {
    await expect(t.consumer.run({ include: ['test.nope'] })).rejects.toBeInstanceOf(InvalidJobOptionsError);
  });
});
