import type { JobsModuleOptions } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { claimTimes, ledgerRuns, maxAtOnce, maxStartsInWindow } from '../helpers/ledger-times.js';
import { startConsumer } from '../helpers/reliability.util.js';
import { killAll, waitUntil } from '../helpers/spawned-process.js';
import { LimitedJobs } from '../fixtures/limited-jobs.js';
import { ReliabilityJobs } from '../fixtures/reliability-jobs.js';

/** Queue 'mail': two running at once; queue 'slow': three starts a second (module option `queues`). */
const QUEUES: JobsModuleOptions = {
  queues: { mail: { concurrency: 2 }, slow: { rateLimit: { max: 3, perMs: 1000 } } },
};

/**
 * Per-queue limits across processes (issue 11): two real consumer processes, one with room for
 * more jobs at once than the queue allows, run jobs of two names without limits of their own in a
 * limited queue; the ledger's start and finish times (written by the handlers) show that the
 * queue's limit held across both.
 */
describe.each(DB_KINDS)('queue limits across processes on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openJobsEnv(kind, { providers: [ReliabilityJobs, LimitedJobs] })));
  afterEach(async () => {
    await killAll();
    await closeJobsEnv({ db, t });
  });

  /**
   * 'a' runs one job at a time and starts first; its first job (first in claim order) holds its
   * place until 'b' (room for 6) has started a job, so both take part whatever their boot times.
   */
  const startTwo = async () => {
    await startConsumer(db, {
      name: 'a',
      jobs: QUEUES,
      consumer: { concurrency: 1, pollIntervalMs: 50 },
      limited: true,
    });
    await waitUntil(async () => (await ledgerRuns(t.orm, true)).length > 0, "consumer 'a' to start a job");
    await startConsumer(db, {
      name: 'b',
      jobs: QUEUES,
      consumer: { concurrency: 6, pollIntervalMs: 50 },
      limited: true,
    });
  };
  /** 12 jobs of two names without limits of their own in `queue`; the first waits for consumer 'b'. */
  const enqueueTwelve = (queue: string, ms: number) =>
    t.queue.enqueueMany(
      Array.from({ length: 12 }, (_, i) => ({
        name: i % 2 ? ('lim.free' as const) : ('lim.other' as const),
        input: i === 0 ? { ms, i, until: 'b' } : { ms, i },
        queue,
        priority: i === 0 ? 1 : 0,
      })),
    );

  it('concurrency 2 on a queue: never more than two of its jobs (of any name) running across both processes', async () => {
    const jobs = await enqueueTwelve('mail', 300);
    await startTwo();
    for (const j of jobs) expect((await t.queue.waitFor(j.id, { timeoutMs: 60_000 })).state).toBe('completed');
    const runs = await ledgerRuns(t.orm);
    expect(runs).toHaveLength(12);
    expect(maxAtOnce(runs)).toBe(2);
    expect(new Set(runs.map((r) => r.consumer))).toEqual(new Set(['a', 'b']));
  }, 90_000);

  it('rateLimit 3 per 1000 ms on a queue: no window holds more than 3 of its starts across both processes', async () => {
    const jobs = await enqueueTwelve('slow', 5);
    await startTwo();
    for (const j of jobs) expect((await t.queue.waitFor(j.id, { timeoutMs: 60_000 })).state).toBe('completed');
    const runs = await ledgerRuns(t.orm);
    expect(runs).toHaveLength(12);
    // The database's claim times (what the limit counts), not the ledger's: those lag the claim by
    // however long a loaded machine takes to run the handler's first write. 999 ms: a timestamp read
    // back to the millisecond may shorten a gap of just over 1000 ms by up to 1 ms.
    const claimed = await claimTimes(
      t.orm,
      jobs.map((j) => j.id),
    );
    expect(maxStartsInWindow(claimed, 999)).toBeLessThanOrEqual(3);
    expect(maxStartsInWindow(claimed, 999)).toBe(3); // it did run at the limit
    expect(new Set(runs.map((r) => r.consumer))).toEqual(new Set(['a', 'b']));
  }, 90_000);
});

describe.each(DB_KINDS)('queue limits on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;
  const jobs: JobsModuleOptions = {
    queues: { held: { rateLimit: { max: 1, perMs: 3_600_000 } }, one: { concurrency: 1 } },
  };

  beforeEach(async () => void ({ db, t } = await openJobsEnv(kind, { jobs, providers: [LimitedJobs] })));
  afterEach(() => closeJobsEnv({ db, t }));

  it('a job held back by its queue stays pending and does not hold up the jobs behind it', async () => {
    // First in claim order (higher priority): jobs of a queue that allows one start an hour.
    const held = await t.queue.enqueueMany(
      Array.from({ length: 4 }, (_, i) => ({
        name: 'lim.free' as const,
        input: { ms: 1, i },
        queue: 'held',
        priority: 5,
      })),
    );
    const others = await t.queue.enqueueMany(
      Array.from({ length: 6 }, (_, i) => ({ name: 'lim.other' as const, input: { ms: 1, i } })),
    );
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, timeoutMs: 20_000 });
    for (const j of others) expect((await t.queue.get(j.id)).state).toBe('completed');
    const states = await Promise.all(held.map(async (j) => (await t.queue.get(j.id)).state));
    expect(states.filter((s) => s === 'completed')).toHaveLength(1);
    expect(states.filter((s) => s === 'pending')).toHaveLength(3);
  }, 60_000);

  it("a limited name in a limited queue keeps both limits: the queue's concurrency 1 under the name's max 2", async () => {
    const capped = await t.queue.enqueueMany(
      Array.from({ length: 5 }, (_, i) => ({ name: 'lim.capped' as const, input: { ms: 100, i }, queue: 'one' })),
    );
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, concurrency: 8 });
    for (const j of capped) expect((await t.queue.get(j.id)).state).toBe('completed');
    const runs = await ledgerRuns(t.orm);
    expect(runs).toHaveLength(5);
    expect(maxAtOnce(runs)).toBe(1);
  }, 60_000);
});
