/**
 * Transactional enqueue: `enqueue(name, input, { em })` inside the caller's `em.transactional()`
 * commits and rolls back with the caller's own rows.
 */
import { InvalidJobOptionsError, JobState } from '../../lib/index.js';
import { LedgerEntrySchema } from '../fixtures/ledger.entity.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { countRows } from '../helpers/job-rows.js';

class Rollback extends Error {}

describe.each(DB_KINDS)('transactional enqueue on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openJobsEnv(kind)));
  afterEach(() => closeJobsEnv({ db, t }));

  /** The caller's own row: an entity written through the EntityManager. */
  function ownRow(em: any, tag: string) {
    em.create(LedgerEntrySchema, { jobId: tag, attempt: 0, consumer: 'caller', event: 'own-row', at: new Date() });
  }

  it("commit: the job and the caller's row both exist, and the job runs", async () => {
    const job = await t.orm.em.fork().transactional(async (em: any) => {
      ownRow(em, 'commit');
      await em.flush();
      return t.queue.enqueue('test.echo', { committed: true }, { em });
    });
    expect(await countRows(t.orm, 'test_ledger')).toBe(1);
    expect(await countRows(t.orm)).toBe(1);
    expect((await t.queue.get(job.id)).state).toBe(JobState.Pending);
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const done = await t.queue.get(job.id);
    expect(done.state).toBe(JobState.Completed);
    expect(done.output).toEqual({ committed: true });
  });

  it("commit: the caller's row flushed after the enqueue commits too", async () => {
    await t.orm.em.fork().transactional(async (em: any) => {
      await t.queue.enqueueMany(
        [
          { name: 'test.echo', input: 1 },
          { name: 'test.echo', input: 2 },
        ],
        { em },
      );
      ownRow(em, 'after');
    });
    expect(await countRows(t.orm, 'test_ledger')).toBe(1);
    expect(await countRows(t.orm)).toBe(2);
  });

  it("rollback: neither the job nor the caller's row exists, and nothing runs", async () => {
    let enqueuedId: string | undefined;
    await expect(
      t.orm.em.fork().transactional(async (em: any) => {
        ownRow(em, 'rollback');
        await em.flush();
        const job = await t.queue.enqueue('test.ledger', null, { em });
        enqueuedId = job.id;
        await t.queue.enqueueMany([{ name: 'test.echo', input: 1 }], { em });
        throw new Rollback('changed my mind');
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(enqueuedId).toBeDefined();
    expect(await countRows(t.orm, 'test_ledger')).toBe(0);
    expect(await countRows(t.orm)).toBe(0);
    const summary = await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect(summary.processed).toBe(0);
  });

  it("a failed enqueue inside the transaction rolls the caller's rows back with it", async () => {
    await expect(
      t.orm.em.fork().transactional(async (em: any) => {
        ownRow(em, 'bad');
        await em.flush();
        await t.queue.enqueue('test.nope' as string, null, { em });
      }),
    ).rejects.toThrow(/test\.nope/);
    expect(await countRows(t.orm, 'test_ledger')).toBe(0);
    expect(await countRows(t.orm)).toBe(0);
  });

  it('a consumer running meanwhile sees a job only once its transaction commits, and never after a rollback', async () => {
    const consumer = t.consumer.run({ pollIntervalMs: 20 });
    try {
      // Rolled back: the consumer polls while the transaction is open, and must never run the job.
      await expect(
        t.orm.em.fork().transactional(async (em: any) => {
          await t.queue.enqueue('test.ledger', null, { em });
          await new Promise((r) => setTimeout(r, 300));
          throw new Rollback('no');
        }),
      ).rejects.toBeInstanceOf(Rollback);
      // Committed: not run before the commit (nothing in the ledger inside the transaction), run after it.
      const job = await t.orm.em.fork().transactional(async (em: any) => {
        const enqueued = await t.queue.enqueue('test.ledger', null, { em });
        await new Promise((r) => setTimeout(r, 300));
        const inside = await em
          .getConnection()
          .execute('select count(*) as n from test_ledger', [], 'all', em.getTransactionContext());
        expect(Number(inside[0].n)).toBe(0);
        return enqueued;
      });
      const done = await t.queue.waitFor(job.id, { timeoutMs: 20_000, pollIntervalMs: 20 });
      expect(done.state).toBe(JobState.Completed);
    } finally {
      await t.consumer.stop();
      await consumer;
    }
    expect(await countRows(t.orm)).toBe(1);
    expect(await countRows(t.orm, 'test_ledger')).toBe(2);
  });

  it('without em inside a transaction: its own transaction on PostgreSQL and MariaDB, a clear error on SQLite (not a hang)', async () => {
    const attempt = t.orm.em.fork().transactional(async (em: any) => {
      ownRow(em, 'outer');
      await em.flush();
      await t.queue.enqueue('test.echo', { separate: true });
      throw new Rollback('outer rolls back');
    });
    if (kind !== 'sqlite') {
      await expect(attempt).rejects.toBeInstanceOf(Rollback);
      // Written in its own transaction: it stays although the caller's rolled back.
      expect(await countRows(t.orm)).toBe(1);
    } else {
      const error = (await attempt.catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(InvalidJobOptionsError);
      expect(error.message).toContain('{ em }');
      expect(await countRows(t.orm)).toBe(0);
    }
    expect(await countRows(t.orm, 'test_ledger')).toBe(0);
  });

  it('an em outside a transaction gets one of its own', async () => {
    const em = t.orm.em.fork();
    const job = await t.queue.enqueue('test.echo', { alone: true }, { em });
    expect((await t.queue.get(job.id)).state).toBe(JobState.Pending);
  });
});
