/**
 * MariaDB: a statement with an `IN (...)` list keeps it as a list (`SET STATEMENT
 * in_predicate_conversion_threshold = 0 FOR ...`). From 1,000 values MariaDB would otherwise turn
 * the list into a sub-select, and a fenced write (a finish of 2,000 jobs) could then read and lock
 * every row of the table, so that claims meanwhile skipped every due job (bench
 * mariadb-noop-drain: `untilEmpty` stopped with jobs pending). Checked on the real server with
 * EXPLAIN: with the prefix the jobs are read by a range of the primary key and nothing else.
 */
import 'reflect-metadata';
import mysql from 'mysql2/promise';
import { jobsSchemaSql } from '../../lib/index.js';
import { lockHeld } from '../../lib/persistence/dialects/mariadb/mariadb.statements.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';

const onMariadb = DB_KINDS.includes('mariadb') ? describe : describe.skip;

const PREFIX = 'SET STATEMENT in_predicate_conversion_threshold = 0 FOR ';

onMariadb('IN lists on mariadb', () => {
  let db: TestDatabase;
  let c: mysql.Connection;

  beforeAll(async () => {
    db = await createTestDatabase('mariadb');
    c = await mysql.createConnection(db.options.clientUrl!);
    for (const statement of jobsSchemaSql('mariadb')) await c.query(statement);
    await c.query(`INSERT INTO queue_job (name, state, max_attempts, run_after, created_at)
      SELECT 'in.list', 'running', 3, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM seq_1_to_3000`);
    await c.query('ANALYZE TABLE queue_job');
  });

  afterAll(async () => {
    await c?.end();
    await db?.drop();
  });

  /** The tables EXPLAIN lists for `sql` (with `prefix` before EXPLAIN), and how each is read. */
  async function plan(sql: string, params: unknown[], prefix: string): Promise<string[]> {
    const [rows] = await c.query(`${prefix}EXPLAIN ${sql}`, params);
    return (rows as { table: string | null; type: string | null }[]).map((r) => `${r.table}:${r.type}`);
  }

  it('puts the prefix on statements with a list, and only on those', () => {
    const ids = Array.from({ length: 1_500 }, (_, i) => String(i + 1));
    expect(lockHeld(ids, 'consumer').sql.startsWith(PREFIX)).toBe(true);
    expect(lockHeld([], 'consumer').sql.startsWith(PREFIX)).toBe(false);
  });

  it('reads 1,500 ids by a range of the primary key, where the server alone would make a sub-select of them', async () => {
    const ids = Array.from({ length: 1_500 }, (_, i) => String(i + 1));
    const q = lockHeld(ids, 'consumer');
    const statement = q.sql.slice(PREFIX.length);
    // What the prefix prevents: the list becomes a derived table joined to queue_job.
    expect((await plan(statement, q.params, '')).length).toBeGreaterThan(1);
    expect(await plan(statement, q.params, PREFIX)).toEqual(['queue_job:range']);
    const [rows] = await c.query(q.sql, q.params);
    expect(rows).toHaveLength(0); // none held by 'consumer', read by the same plan
  });
});
