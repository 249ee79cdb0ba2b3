import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import type { JobsTestApp } from '../helpers/jobs-app.js';
import { openReliabilityEnv, closeReliabilityEnv, ledgerRows, startConsumer } from '../helpers/reliability.util.js';
import { waitUntil } from '../helpers/spawned-process.js';

const HOUR = 3_600_000;

/**
 * Times come from the database clock: consumers whose clocks are an hour ahead and an hour behind
 * (a fake Date in the child, CLOCK_SKEW_MS) run a delayed job neither early nor late, rescue no
 * healthy lease, and a job enqueued by a skewed process without runAfter is due at once.
 */
describe.each(DB_KINDS)('skewed application clocks on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openReliabilityEnv(kind)));
  afterEach(() => closeReliabilityEnv({ db, t }));

  it('an hour of skew either way changes nothing', async () => {
    const jobs = { leaseMs: 1_500, heartbeatMs: 250 };
    const consumer = { concurrency: 2, pollIntervalMs: 100 };
    const long = await t.queue.enqueueMany([1, 2].map(() => ({ name: 'rel.watch', input: { ms: 3_000 } })));
    const ahead = await startConsumer(db, { jobs, consumer, name: 'ahead', skewMs: HOUR });
    const behind = await startConsumer(db, {
      jobs,
      consumer,
      name: 'behind',
      skewMs: -HOUR,
      enqueue: [{ name: 'rel.watch', input: { ms: 10 } }],
    });
    const [ownId] = JSON.parse((await behind.child.waitFor(/ENQUEUED (\[.*\])/))[1]!) as string[];

    // Enqueued by a process an hour behind, without runAfter: due now on the database clock.
    const own = await t.queue.waitFor(ownId!, { timeoutMs: 5_000 });
    expect(own.state).toBe('completed');

    // Not run early by the consumer an hour ahead.
    const enqueuedAt = Date.now();
    const delayed = await t.queue.enqueue('rel.watch', { ms: 10 }, { runAfter: new Date(enqueuedAt + 3_000) });
    // A consumer that ran it early would do so at its next poll (100 ms); a second leaves a stalled
    // test process two more before the job is due.
    await waitUntil(() => Date.now() - enqueuedAt > 1_000, 'a second');
    expect((await t.queue.get(delayed.id)).state).toBe('pending');
    const done = await t.queue.waitFor(delayed.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('completed');
    expect(done.startedAt!.getTime() - done.runAfter.getTime()).toBeGreaterThanOrEqual(0);
    expect(Date.now() - enqueuedAt).toBeGreaterThanOrEqual(3_000);

    // Leases taken and checked by skewed consumers hold: each long job ran once, nothing was rescued.
    for (const j of long) {
      const job = await t.queue.waitFor(j.id, { timeoutMs: 15_000 });
      expect(job).toMatchObject({ state: 'completed', attempts: 1, attemptLog: [] });
      const skew = (job.output as { consumer: string }).consumer === 'ahead' ? HOUR : -HOUR;
      expect(Math.abs((job.output as { appNow: number }).appNow - Date.now() - skew)).toBeLessThan(60_000); // the skew was real
    }
    expect((await ledgerRows(t.orm)).filter((r) => r.event === 'start')).toHaveLength(4);
    expect(ahead.child.output + behind.child.output).not.toMatch(/rescued job|lease lost/);
  }, 60_000);
});
