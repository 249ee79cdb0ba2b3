/**
 * PostgreSQL: the hot statements (a single enqueue, an idle consumer's claim) run as named prepared
 * statements on the ORM's own pool (module option `preparedStatements`, default true), and not at
 * all with `preparedStatements: false` (for a pooler that cannot carry them). The app's pool holds
 * one connection, so the statements it prepared are the ones `pg_prepared_statements` lists.
 */
import 'reflect-metadata';
import { JobState, type JobsModuleOptions } from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';

const onPostgres = DB_KINDS.includes('postgresql') ? describe : describe.skip;

/** The queue's named statements on the app's one pooled connection. */
async function namedStatements(t: JobsTestApp): Promise<string[]> {
  const pool = await t.orm.em.getConnection().getNativeClient();
  const { rows } = await pool.query(
    `SELECT statement FROM pg_prepared_statements WHERE name LIKE 'njp\\_%' ORDER BY statement`,
  );
  return rows.map((r: { statement: string }) => r.statement);
}

/** Enqueues jobs one at a time, each run by the consumer before the next: past PostgreSQL's five custom plans. */
async function enqueueAndRun(t: JobsTestApp, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const job = await t.queue.enqueue('test.echo', { i });
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect(await t.queue.get(job.id)).toMatchObject({ state: JobState.Completed, output: { i } });
  }
}

onPostgres('named prepared statements on postgresql', () => {
  let db: TestDatabase;
  let t: JobsTestApp | undefined;

  const open = (jobs: JobsModuleOptions = {}) =>
    createJobsApp(db.options, { jobs, orm: { pool: { min: 1, max: 1 } } }).then((app) => (t = app));

  beforeEach(async () => {
    db = await createTestDatabase('postgresql');
  });

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await db.drop();
  });

  it('prepares the single enqueue and the idle claim once, and runs every job through them', async () => {
    const app = await open();
    await enqueueAndRun(app, 8);
    const statements = await namedStatements(app);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(
      /^WITH due AS \(SELECT id FROM queue_job[^]*set_config\(.synchronous_commit., .off., true\)/,
    );
    expect(statements[1]).toMatch(/INSERT INTO queue_job/);
  });

  it('with preparedStatements: false prepares nothing and runs the same jobs', async () => {
    const app = await open({ preparedStatements: false });
    await enqueueAndRun(app, 8);
    expect(await namedStatements(app)).toEqual([]);
  });
});
