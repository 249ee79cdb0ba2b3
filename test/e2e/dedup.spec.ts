/**
 * Dedup modes of `enqueue(..., { unique })` beyond "one unfinished job per key": unique for a period
 * including finished jobs, and replace/debounce of the waiting job. Bad combinations throw at the
 * call and write nothing.
 */
import { Injectable } from '@nestjs/common';
import { InvalidJobOptionsError, Job, JobState } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { countRows, deferred } from '../helpers/job-rows.js';
import { JobStore } from '../../lib/persistence/job.store.js';
import type { JobsDialect } from '../../lib/persistence/jobs-dialect.js';
import type { Executor } from '../../lib/persistence/sql.util.js';

let hold = deferred();

@Injectable()
class HoldJobs {
  @Job('dedup.hold')
  async hold() {
    await hold.promise;
  }
}

describe.each(DB_KINDS)('dedup modes on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    hold = deferred();
    ({ db, t } = await openJobsEnv(kind, { providers: [HoldJobs] }));
  });
  afterEach(async () => {
    hold.resolve();
    await closeJobsEnv({ db, t });
  });

  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
  const hour = 3_600_000;
  /** Moves every job's creation `ms` into the past, on the database's own time type. */
  const minus = (ms: number) =>
    ({
      postgresql: `created_at - interval '${ms} milliseconds'`,
      sqlite: `created_at - ${ms}`,
      mariadb: `created_at - interval ${ms * 1000} microsecond`,
    })[kind];
  const age = (ms: number) =>
    t.orm.em
      .fork()
      .getConnection()
      .execute(`update queue_job set created_at = ${minus(ms)}`);

  it('unique forMs: a key enqueued within the period, finished or not, is not enqueued again', async () => {
    const first = await t.queue.enqueue('test.echo', { n: 1 }, { unique: { key: 'report:42', forMs: hour } });
    await drain();
    expect((await t.queue.get(first.id)).state).toBe(JobState.Completed);
    const again = await t.queue.enqueue('test.echo', { n: 2 }, { unique: { key: 'report:42', forMs: hour } });
    expect(again).toMatchObject({ id: first.id, state: JobState.Completed, input: { n: 1 } });
    expect(await countRows(t.orm)).toBe(1);
    // uniqueKey (one unfinished per key) lets it through, as before.
    const plain = await t.queue.enqueue('test.echo', { n: 3 }, { uniqueKey: 'report:42' });
    expect(plain.id).not.toBe(first.id);
    await drain();
    // The newest job of the key answers; once the period is over, a new job is written.
    expect((await t.queue.enqueue('test.echo', { n: 4 }, { unique: { key: 'report:42', forMs: hour } })).id).toBe(
      plain.id,
    );
    await age(2 * hour);
    const later = await t.queue.enqueue('test.echo', { n: 5 }, { unique: { key: 'report:42', forMs: hour } });
    expect(later).toMatchObject({ state: JobState.Pending, input: { n: 5 } });
    expect(later.id).not.toBe(plain.id);
    expect(await countRows(t.orm)).toBe(3);
  });

  it('unique forMs in one batch: the first job of a key is kept', async () => {
    const jobs = await t.queue.enqueueMany([
      { name: 'test.echo', input: 1, unique: { key: 'k', forMs: hour } },
      { name: 'test.echo', input: 2, unique: { key: 'k', forMs: hour } },
      { name: 'test.echo', input: 3 },
    ]);
    expect(jobs[1]!.id).toBe(jobs[0]!.id);
    expect(await countRows(t.orm)).toBe(2);
  });

  it('unique replace: a newer enqueue updates the waiting job’s input and runAfter', async () => {
    const at1 = new Date(Date.now() + hour);
    const at2 = new Date(Date.now() + 2 * hour);
    const first = await t.queue.enqueue(
      'test.echo',
      { v: 1 },
      { unique: { key: 'sync:7', replace: true }, runAfter: at1 },
    );
    const second = await t.queue.enqueue(
      'test.echo',
      { v: 2 },
      { unique: { key: 'sync:7', replace: true }, runAfter: at2 },
    );
    expect(second).toMatchObject({ id: first.id, state: JobState.Pending, input: { v: 2 } });
    expect(second.runAfter.getTime()).toBe(at2.getTime());
    expect(await t.queue.get(first.id)).toEqual(second);
    // Without runAfter the waiting job becomes due now.
    const third = await t.queue.enqueue('test.echo', { v: 3 }, { unique: { key: 'sync:7', replace: true } });
    expect(third.id).toBe(first.id);
    expect(await t.queue.queueDepths()).toEqual({
      default: { pending: 1, due: 1, scheduled: 0, running: 0, blocked: 0 },
    });
    await drain();
    expect((await t.queue.get(first.id)).output).toEqual({ v: 3 });
    expect(await countRows(t.orm)).toBe(1);
  });

  // A replace locks the waiting holder of its key until its enqueue commits: it must lock that row
  // only. On a small table MariaDB read the claim index from `state = 'pending'` for it and locked
  // every pending job: a claim's SKIP LOCKED elsewhere then passed them all over. SQLite has one
  // connection: a claim waits for the write there.
  if (kind !== 'sqlite')
    it('unique replace: while its enqueue is uncommitted, a claim elsewhere still gets every other due job', async () => {
      const store = t.app.get(JobStore);
      // The key ran many times before (finished jobs keep it): more index entries hold it than
      // there are pending jobs, which made the claim index look the cheaper read.
      await t.queue.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ name: 'test.echo' as const, input: { i } })));
      await drain();
      await t.orm.em.fork().getConnection().execute(`UPDATE queue_job SET unique_key = 'sync:9'`);
      const keyed = await t.queue.enqueue('test.echo', { v: 1 }, { unique: { key: 'sync:9', replace: true } });
      const others = await t.queue.enqueueMany([1, 2, 3].map((n) => ({ name: 'test.echo' as const, input: { n } })));
      const inside = store as unknown as {
        transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T>;
        dialect: Pick<JobsDialect, 'replaceWaiting'>;
      };
      const claimed = await inside.transaction(async (tx) => {
        const replacing = [{ key: 'sync:9', input: '{"v":2}', run_after_ms: null, delay_ms: null }];
        const replaced = await inside.dialect.replaceWaiting(tx as Executor, replacing);
        expect(replaced.map((r) => String(r.id))).toEqual([keyed.id]);
        // On another connection, while the replace is uncommitted.
        return store.claim({ consumerId: 'other', limit: 10, leaseMs: 30_000, names: ['test.echo'] });
      });
      expect(claimed.map((j) => j.id).sort()).toEqual(others.map((j) => j.id).sort());
      expect((await t.queue.get(keyed.id)).input).toEqual({ v: 2 });
    });

  it('unique replace: a running holder is returned unchanged; a finished one lets a new job in', async () => {
    const running = await t.queue.enqueue('dedup.hold', { v: 1 }, { unique: { key: 'h', replace: true } });
    const consumer = t.consumer.run({ pollIntervalMs: 20 });
    for (let s = await t.queue.get(running.id); s.state !== JobState.Running; s = await t.queue.get(running.id))
      await new Promise((r) => setTimeout(r, 20));
    const same = await t.queue.enqueue('dedup.hold', { v: 2 }, { unique: { key: 'h', replace: true } });
    expect(same).toMatchObject({ id: running.id, state: JobState.Running, input: { v: 1 } });
    hold.resolve();
    await t.queue.waitFor(running.id, { timeoutMs: 10_000 });
    await t.consumer.stop();
    await consumer;
    const fresh = await t.queue.enqueue('dedup.hold', { v: 3 }, { unique: { key: 'h', replace: true } });
    expect(fresh.id).not.toBe(running.id);
    expect(fresh.input).toEqual({ v: 3 });
  });

  it('unique debounceMs: each enqueue replaces the input and puts the job off from the database clock', async () => {
    const first = await t.queue.enqueue('test.echo', { v: 1 }, { unique: { key: 'search-index', debounceMs: 60_000 } });
    const delay = first.runAfter.getTime() - first.createdAt.getTime();
    expect(delay).toBeGreaterThanOrEqual(60_000);
    expect(delay).toBeLessThan(70_000);
    const second = await t.queue.enqueue(
      'test.echo',
      { v: 2 },
      { unique: { key: 'search-index', debounceMs: 120_000 } },
    );
    expect(second).toMatchObject({ id: first.id, input: { v: 2 } });
    expect(second.runAfter.getTime() - first.runAfter.getTime()).toBeGreaterThanOrEqual(60_000);
    expect(await t.queue.queueDepths()).toEqual({
      default: { pending: 1, due: 0, scheduled: 1, running: 0, blocked: 0 },
    });
    expect(await countRows(t.orm)).toBe(1);
  });

  it.each([
    ['unique not an object', { unique: 'k' }],
    ['an empty key', { unique: { key: '' } }],
    ['an unknown option', { unique: { key: 'k', every: 5 } }],
    ['forMs 0', { unique: { key: 'k', forMs: 0 } }],
    ['replace not a boolean', { unique: { key: 'k', replace: 'yes' } }],
    ['a negative debounceMs', { unique: { key: 'k', debounceMs: -1 } }],
    ['uniqueKey and unique', { uniqueKey: 'k', unique: { key: 'k' } }],
    ['forMs with replace', { unique: { key: 'k', forMs: 1000, replace: true } }],
    ['forMs with debounceMs', { unique: { key: 'k', forMs: 1000, debounceMs: 10 } }],
    ['debounceMs with replace: false', { unique: { key: 'k', debounceMs: 10, replace: false } }],
    ['debounceMs with runAfter', { unique: { key: 'k', debounceMs: 10 }, runAfter: new Date() }],
  ])('%s throws InvalidJobOptionsError and writes nothing', async (_what, options) => {
    await expect(t.queue.enqueue('test.echo', null, options as any)).rejects.toBeInstanceOf(InvalidJobOptionsError);
    await expect(
      t.queue.enqueueMany([
        { name: 'test.echo', input: 1 },
        { name: 'test.echo', input: 2, ...(options as any) },
      ]),
    ).rejects.toBeInstanceOf(InvalidJobOptionsError);
    expect(await countRows(t.orm)).toBe(0);
  });
});
