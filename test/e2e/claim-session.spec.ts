/**
 * PostgreSQL: while a backlog lasts, a consumer claims on a connection of the dialect's own whose
 * session holds the claim's planner settings (module option `claimSession`, default true): one round
 * trip per claim. The session is named in `pg_stat_activity`, leaves the pool's connections alone,
 * is reopened after it is cut, and ends with the application.
 */
import 'reflect-metadata';
import type pg from 'pg';
import { JobState, type JobsModuleOptions } from '../../lib/index.js';
import { CLAIM_SESSION_NAME } from '../../lib/persistence/dialects/postgresql/postgresql.dialect.js';
import { SettingsSession } from '../../lib/persistence/dialects/postgresql/settings-session.js';
import { run } from '../../lib/persistence/sql.util.js';
import { createTestDatabase, DB_KINDS, withAdminClient, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';

const onPostgres = DB_KINDS.includes('postgresql') ? describe : describe.skip;

/** Backends of the claim session on the test database, seen from outside the app. */
async function claimSessions(database: string): Promise<number[]> {
  const { rows } = await withAdminClient((c) =>
    c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`, [
      database,
      CLAIM_SESSION_NAME,
    ]),
  );
  return rows.map((r) => r.pid);
}

/** Polls until `check` holds (a backend's exit is seen a moment after its client ends it). */
async function eventually(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`still not so after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

onPostgres('the claim session on postgresql', () => {
  let db: TestDatabase;
  let t: JobsTestApp | undefined;
  let database: string;

  const open = (jobs: JobsModuleOptions = {}) =>
    createJobsApp(db.options, { jobs, orm: { pool: { min: 1, max: 2 } } }).then((app) => (t = app));

  /** Enqueues `n` jobs at once (a backlog: the consumer's claims are guarded) and runs them all. */
  async function backlog(app: JobsTestApp, n: number): Promise<void> {
    const jobs = await app.queue.enqueueMany(
      Array.from({ length: n }, (_, i) => ({ name: 'test.echo', input: { i } })),
    );
    await app.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    for (const [i, job] of jobs.entries())
      expect(await app.queue.get(job.id)).toMatchObject({ state: JobState.Completed, output: { i } });
  }

  beforeEach(async () => {
    db = await createTestDatabase('postgresql');
    database = new URL(db.options.clientUrl!).pathname.slice(1);
  });

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await db.drop();
  });

  it('claims a backlog on one session of its own, which ends with the application', async () => {
    const app = await open();
    expect(await claimSessions(database)).toEqual([]);
    await backlog(app, 300);
    expect(await claimSessions(database)).toHaveLength(1);
    // The pool's connections keep the server's planner defaults.
    const pool = (await app.orm.em.getConnection().getNativeClient()) as pg.Pool;
    const { rows } = await pool.query(
      `SELECT current_setting('enable_sort') AS s, current_setting('enable_bitmapscan') AS b`,
    );
    expect(rows[0]).toEqual({ s: 'on', b: 'on' });
    await app.close();
    t = undefined;
    await eventually(async () => (await claimSessions(database)).length === 0);
  });

  it('with claimSession: false claims in transactions of the pool and opens no session', async () => {
    const app = await open({ claimSession: false });
    await backlog(app, 300);
    expect(await claimSessions(database)).toEqual([]);
  });

  it('opens a new session after its connection is cut, and loses no job', async () => {
    const app = await open();
    await backlog(app, 300);
    const [first] = await claimSessions(database);
    await withAdminClient((c) => c.query('SELECT pg_terminate_backend($1)', [first]));
    await eventually(async () => !(await claimSessions(database)).includes(first!));
    await backlog(app, 300);
    const now = await claimSessions(database);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(first);
  });

  it('holds its settings in its session, runs nothing once closed, and never opens again', async () => {
    const app = await open();
    const session = new SettingsSession(
      app.orm,
      ['enable_sort = off', 'enable_bitmapscan = off'],
      'settings-session-test',
    );
    const ex = await session.executor();
    expect(ex).toBeDefined();
    const rows = await run<{ s: string; b: string }>(ex!, {
      sql: `SELECT current_setting('enable_sort') AS s, current_setting('enable_bitmapscan') AS b`,
      params: [],
    });
    expect(rows).toEqual([{ s: 'off', b: 'off' }]);
    // An executor runs one statement.
    await expect(run(ex!, { sql: 'SELECT 1', params: [] })).rejects.toThrow(/runs one statement/);
    // A failed statement drops the connection; the next executor opens another with the same settings.
    const failing = await session.executor();
    await expect(run(failing!, { sql: 'SELECT * FROM no_such_table', params: [] })).rejects.toThrow(/no_such_table/);
    const again = await session.executor();
    expect(await run(again!, { sql: `SELECT current_setting('enable_sort') AS s`, params: [] })).toEqual([
      { s: 'off' },
    ]);
    await session.close();
    expect(await session.executor()).toBeUndefined();
  });

  it("is one caller's while its statement runs: another caller gets no executor and goes its other way", async () => {
    const app = await open();
    const session = new SettingsSession(app.orm, ['enable_sort = off'], 'settings-session-test');
    try {
      const [first, second] = await Promise.all([session.executor(), session.executor()]);
      expect([first, second].filter(Boolean)).toHaveLength(1); // two callers asking at once
      const slow = run(first ?? second!, { sql: 'SELECT pg_sleep(0.3)', params: [] });
      expect(await session.executor()).toBeUndefined();
      await slow;
      const after = await session.executor();
      expect(await run(after!, { sql: `SELECT current_setting('enable_sort') AS s`, params: [] })).toEqual([
        { s: 'off' },
      ]);
      // A failed statement frees the session too.
      await expect(run((await session.executor())!, { sql: 'SELECT 1/0', params: [] })).rejects.toThrow(/division/);
      expect(await session.executor()).toBeDefined();
    } finally {
      await session.close();
    }
  });
});
