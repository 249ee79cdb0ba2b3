import type { MikroORM } from '@mikro-orm/core';
import { DB_KINDS, type DbKind, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { startConsumer } from '../helpers/reliability.util.js';
import { killAll, waitUntil } from '../helpers/spawned-process.js';

/** Kept completed jobs, and the finished jobs the table starts with. */
const KEEP = 40;
const FINISHED = 400;

/**
 * A log of every deletion from `queue_job`, written by a trigger in the deleting transaction: the
 * connection that deleted (`deleter`) and the connection the database shows holding the pruner's
 * lock at that moment (`holder`). PostgreSQL: the advisory lock (0x6a6f6273, 1) in `pg_locks`, per
 * statement; MariaDB: `IS_USED_LOCK` of the named lock 'pruner', per row. SQLite has one writer at a
 * time (the database's write lock is the pruner's lock) and no connection ids: its log says so.
 */
const LOG_DDL: Record<DbKind, string[]> = {
  postgresql: [
    `CREATE TABLE test_prune_log (id serial primary key, deleter text not null, holder text not null, n int not null)`,
    `CREATE FUNCTION test_prune_log_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
       INSERT INTO test_prune_log (deleter, holder, n)
       SELECT pg_backend_pid()::text,
         COALESCE((SELECT string_agg(pid::text, ',') FROM pg_locks WHERE locktype = 'advisory' AND granted
           AND classid = ${0x6a6f6273} AND objid = 1 AND objsubid = 2
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())), ''),
         (SELECT count(*) FROM gone);
       RETURN NULL; END $$`,
    `CREATE TRIGGER test_prune_log_tr AFTER DELETE ON queue_job REFERENCING OLD TABLE AS gone
       FOR EACH STATEMENT EXECUTE FUNCTION test_prune_log_fn()`,
  ],
  mariadb: [
    `CREATE TABLE test_prune_log (id int auto_increment primary key, deleter varchar(32) not null, holder varchar(32) not null, n int not null)`,
    `CREATE TRIGGER test_prune_log_tr AFTER DELETE ON queue_job FOR EACH ROW
       INSERT INTO test_prune_log (deleter, holder, n)
       VALUES (CONNECTION_ID(), COALESCE(IS_USED_LOCK(SHA1(CONCAT(DATABASE(), ':', 'pruner'))), ''), 1)`,
  ],
  sqlite: [
    `CREATE TABLE test_prune_log (id integer primary key autoincrement, deleter text not null, holder text not null, n int not null)`,
    `CREATE TRIGGER test_prune_log_tr AFTER DELETE ON queue_job FOR EACH ROW BEGIN
       INSERT INTO test_prune_log (deleter, holder, n) VALUES ('the writer', 'the writer', 1); END`,
  ],
};

async function pruneLog(orm: MikroORM<any, any, any>) {
  const rows: { deleter: unknown; holder: unknown; n: unknown }[] = await orm.em
    .fork()
    .getConnection()
    .execute('SELECT deleter, holder, n FROM test_prune_log ORDER BY id');
  return rows.map((r) => ({ deleter: String(r.deleter), holder: String(r.holder), n: Number(r.n) }));
}

/**
 * Retention with two consumer processes (issue 11): both prune, one at a time. The database itself
 * proves it: every deletion ran in the connection that held the pruner's lock, and in no other;
 * the table ends at its configured size.
 */
describe.each(DB_KINDS)('retention across processes on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openJobsEnv(kind, { jobs: { retention: false } })));
  afterEach(async () => {
    await killAll();
    await closeJobsEnv({ db, t });
  });

  it(`two consumers with retention on: each deletion ran under the pruner's lock, held by its own connection; ${KEEP} completed jobs stay`, async () => {
    await t.queue.enqueueMany(
      Array.from({ length: FINISHED }, (_, n) => ({ name: 'test.echo' as const, input: { n } })),
    );
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, concurrency: 20 });
    const count = async () =>
      Number(
        (
          await t.orm.em.fork().getConnection().execute(`SELECT count(*) AS n FROM queue_job WHERE state = 'completed'`)
        )[0].n,
      );
    expect(await count()).toBe(FINISHED);
    for (const ddl of LOG_DDL[kind]) await t.orm.em.getConnection().execute(ddl);

    // Small batches on a short timer: both processes try to prune many times while the other may be at it.
    const jobs = { retention: { completed: { maxCount: KEEP }, intervalMs: 20, batchSize: 5 } };
    await Promise.all(['a', 'b'].map((name) => startConsumer(db, { name, jobs, consumer: { pollIntervalMs: 50 } })));
    await waitUntil(async () => (await count()) === KEEP, `retention to keep ${KEEP} completed jobs`, 60_000);

    const log = await pruneLog(t.orm);
    expect(log.reduce((sum, r) => sum + r.n, 0)).toBe(FINISHED - KEEP);
    // One holder at a time, and it is the deleting connection: no deletion ran outside the lock,
    // so no two processes pruned at once.
    expect(log.filter((r) => r.holder !== r.deleter)).toEqual([]);
    const deleters = new Set(log.map((r) => r.deleter));
    expect(deleters.size).toBeGreaterThanOrEqual(1);
    expect(await count()).toBe(KEEP); // and it stays there
  }, 120_000);
});
