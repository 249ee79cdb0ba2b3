/**
 * PostgreSQL: a claim commits without waiting for its WAL flush (`synchronous_commit` off for its
 * own transaction only): an idle consumer's claim sets it inside its statement, a guarded claim in
 * the BEGIN of its transaction. The app's pool holds one connection, so the session the consumer
 * claimed on is the one looked at after.
 */
import 'reflect-metadata';
import type pg from 'pg';
import { JobState } from '../../lib/index.js';
import { claimJobs } from '../../lib/persistence/dialects/postgresql/postgresql.statements.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';

const onPostgres = DB_KINDS.includes('postgresql') ? describe : describe.skip;

const setting = async (c: pg.PoolClient) =>
  (await c.query(`SELECT current_setting('synchronous_commit') AS v`)).rows[0].v as string;

onPostgres('the commit of a claim on postgresql', () => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    db = await createTestDatabase('postgresql');
    t = await createJobsApp(db.options, { orm: { pool: { min: 1, max: 1 } } });
  });

  afterEach(async () => {
    await t.close();
    await db.drop();
  });

  it("an idle claim's statement turns synchronous_commit off for its own transaction only", async () => {
    const pool = (await t.orm.em.getConnection().getNativeClient()) as pg.Pool;
    const job = await t.queue.enqueue('test.echo', { n: 1 });
    const c = await pool.connect();
    try {
      expect(await setting(c)).toBe('on');
      await c.query('BEGIN');
      const claim = claimJobs({ consumerId: 'probe', limit: 10, leaseMs: 10_000, names: ['test.echo'] }, true);
      const { rows } = await c.query(claim.sql, claim.params);
      expect(rows.map((r: { id: unknown }) => String(r.id))).toEqual([job.id]);
      expect(await setting(c)).toBe('off');
      await c.query('ROLLBACK');
      expect(await setting(c)).toBe('on');
    } finally {
      c.release();
    }
  });

  it("leaves the session's setting alone after the consumer's own claims, idle and with a backlog", async () => {
    const one = await t.queue.enqueue('test.echo', { n: 1 });
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const many = await t.queue.enqueueMany(
      Array.from({ length: 300 }, (_, n) => ({ name: 'test.echo', input: { n } })),
    );
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    for (const job of [one, ...many]) expect((await t.queue.get(job.id)).state).toBe(JobState.Completed);
    const pool = (await t.orm.em.getConnection().getNativeClient()) as pg.Pool;
    const c = await pool.connect();
    try {
      expect(await setting(c)).toBe('on');
    } finally {
      c.release();
    }
  });
});
