import { Injectable } from '@nestjs/common';
import { InvalidJobOptionsError, Job, JobsConfigurationError } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, createJobsApp, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { claimTimes, ledgerRuns, maxAtOnce, maxStartsInWindow, overlaps } from '../helpers/ledger-times.js';
import { startConsumer } from '../helpers/reliability.util.js';
import { killAll, waitUntil } from '../helpers/spawned-process.js';
import { LimitedJobs } from '../fixtures/limited-jobs.js';
import { ReliabilityJobs } from '../fixtures/reliability-jobs.js';

/**
 * Limits across processes (issue 11): two real consumer processes, one with room for more jobs at
 * once than any limit allows, run jobs of limited names (test/fixtures/limited-jobs.ts); the ledger's start and finish
 * times (written by the handlers) show that the limit held across both.
 */
describe.each(DB_KINDS)('limits across processes on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(
    async () =>
      void ({ db, t } = await openJobsEnv(kind, {
        providers: [ReliabilityJobs, LimitedJobs],
      })),
  );
  afterEach(async () => {
    await killAll();
    await closeJobsEnv({ db, t });
  });

  /**
   * 'a' runs one job at a time and starts first; 'b' (room for 6) starts once 'a' runs a job, so
   * both take part whoever is quicker to claim afterwards: 'a' cannot take every place a limit leaves.
   * The first job (the one 'a' claims) carries `until: 'b'`: it holds its place until 'b' has started
   * a job, so the two processes run side by side however slowly 'b' boots on a loaded machine.
   */
  const startTwo = async () => {
    await startConsumer(db, {
      name: 'a',
      consumer: { concurrency: 1, pollIntervalMs: 50 },
      limited: true,
    });
    await waitUntil(async () => (await ledgerRuns(t.orm, true)).length > 0, "consumer 'a' to start a job");
    await startConsumer(db, {
      name: 'b',
      consumer: { concurrency: 6, pollIntervalMs: 50 },
      limited: true,
    });
  };

  it('concurrency.perKey 1: no two jobs of one key overlap, and a held key does not hold up the others', async () => {
    // Key k0's jobs first in claim order: a claim that let a held key block the jobs behind it would run them one by one.
    const keys = ['k0', 'k1', 'k2', 'k3'].flatMap((k) => [k, k, k, k, k]);
    const jobs = await t.queue.enqueueMany([
      ...keys.map((k, i) => ({
        name: 'lim.keyed' as const,
        input: i === 0 ? { ms: 200, i, until: 'b' } : { ms: 200, i },
        concurrencyKey: k,
      })),
      ...[1, 2, 3].map((i) => ({
        name: 'lim.keyed' as const,
        input: { ms: 200, i },
      })), // no key: not limited by it
    ]);
    await startTwo();
    for (const j of jobs) expect((await t.queue.waitFor(j.id, { timeoutMs: 60_000 })).state).toBe('completed');
    const runs = await ledgerRuns(t.orm);
    expect(runs).toHaveLength(jobs.length);
    const keyOf = new Map(jobs.map((j) => [j.id, j.concurrencyKey]));
    for (const key of ['k0', 'k1', 'k2', 'k3']) {
      expect({
        key,
        overlapping: overlaps(runs.filter((r) => keyOf.get(r.jobId) === key)),
      }).toEqual({ key, overlapping: [] });
    }
    expect(new Set(runs.map((r) => r.consumer))).toEqual(new Set(['a', 'b'])); // both processes took part
    expect(maxAtOnce(runs)).toBeGreaterThan(1); // different keys did run at once
    expect(jobs[5]!.concurrencyKey).toBe('k1');
  }, 90_000);

  it('concurrency.max 2: never more than two running across both processes', async () => {
    const jobs = await t.queue.enqueueMany(
      Array.from({ length: 12 }, (_, i) => ({
        name: 'lim.capped' as const,
        input: i === 0 ? { ms: 300, i, until: 'b' } : { ms: 300, i },
      })),
    );
    await startTwo();
    for (const j of jobs) expect((await t.queue.waitFor(j.id, { timeoutMs: 60_000 })).state).toBe('completed');
    const runs = await ledgerRuns(t.orm);
    expect(runs).toHaveLength(12);
    expect(maxAtOnce(runs)).toBe(2);
    expect(new Set(runs.map((r) => r.consumer))).toEqual(new Set(['a', 'b']));
  }, 90_000);

  it('rateLimit 3 per 1000 ms: no window holds more than 3 starts across both processes', async () => {
    const jobs = await t.queue.enqueueMany(
      Array.from({ length: 12 }, (_, i) => ({
        name: 'lim.rated' as const,
        input: { ms: 5, i },
      })),
    );
    await startTwo();
    for (const j of jobs) expect((await t.queue.waitFor(j.id, { timeoutMs: 60_000 })).state).toBe('completed');
    const runs = await ledgerRuns(t.orm);
    expect(runs).toHaveLength(12);
    // The database's claim times (what the limit counts), not the ledger's: those lag the claim by
    // however long a loaded machine takes to run the handler's first write, and unevenly (a consumer
    // still booting its neighbour's Nest can stamp its first starts 150 ms late). 999 ms: a timestamp
    // read back to the millisecond may shorten a gap of just over 1000 ms by up to 1 ms.
    const claimed = await claimTimes(
      t.orm,
      jobs.map((j) => j.id),
    );
    expect(maxStartsInWindow(claimed, 999)).toBeLessThanOrEqual(3);
    expect(maxStartsInWindow(claimed, 999)).toBe(3); // it did run at the limit
  }, 90_000);
});

describe.each(DB_KINDS)('limit options on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openJobsEnv(kind, { providers: [LimitedJobs] })));
  afterEach(() => closeJobsEnv({ db, t }));

  it('refuses a bad concurrencyKey with InvalidJobOptionsError, writing nothing', async () => {
    for (const bad of ['', 'k'.repeat(256), 42, null]) {
      await expect(t.queue.enqueue('lim.keyed', { ms: 1 }, { concurrencyKey: bad as any })).rejects.toThrow(
        InvalidJobOptionsError,
      );
    }
    await expect(
      t.queue.enqueueMany([
        { name: 'lim.keyed', input: { ms: 1 }, concurrencyKey: 'ok' },
        { name: 'lim.keyed', input: { ms: 1 }, concurrencyKey: '' },
      ]),
    ).rejects.toThrow(/concurrencyKey/);
    expect(await t.queue.queueDepths()).toEqual({});
  });

  it('a keyed job runs in process, and a bad limit in @Job() fails the boot naming the job', async () => {
    const job = await t.queue.enqueue('lim.keyed', { ms: 1 }, { concurrencyKey: 'tenant:42' });
    expect(job.concurrencyKey).toBe('tenant:42');
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect((await t.queue.get(job.id)).state).toBe('completed');

    @Injectable()
    class BadLimit {
      @Job('bad.rate', { rateLimit: { max: 10, perMs: 0 } })
      run() {
        return null;
      }
    }
    await expect(createJobsApp(db.options, { providers: [BadLimit], createSchema: false })).rejects.toThrow(
      JobsConfigurationError,
    );
    await expect(createJobsApp(db.options, { providers: [BadLimit], createSchema: false })).rejects.toThrow(
      /rateLimit.perMs of @Job\('bad.rate'\)/,
    );
  });
});
