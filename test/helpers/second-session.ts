import pg from 'pg';
import mysql from 'mysql2/promise';
import type { TestDatabase } from './databases.js';

/**
 * A second, raw connection to a test's PostgreSQL or MariaDB database, for staging races: it holds
 * rows or writes in an open transaction while the code under test runs. Statements are written
 * with `?` placeholders and `now()`, which both servers read the same way.
 */
export interface SecondSession {
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /**
   * Whether another session of this database is held up in a statement now: on PostgreSQL, waiting
   * for a lock; on MariaDB, in a statement at all, so the test must have nothing else running.
   * InnoDB's list of lock waits stays empty while retention's batch waits on a retry's rows (the batch
   * does not end while the retry is held: checked for 5 s), so it cannot serve here.
   */
  someoneWaitsForALock(): Promise<boolean>;
  end(): Promise<void>;
}

export async function openSecondSession(db: TestDatabase): Promise<SecondSession> {
  const url = db.options.clientUrl!;
  if (db.kind === 'postgresql') {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const query = async (sql: string, params: readonly unknown[] = []) => {
      let n = 0;
      return (
        await c.query(
          sql.replace(/\?/g, () => `$${++n}`),
          [...params],
        )
      ).rows;
    };
    return {
      query,
      someoneWaitsForALock: async () =>
        (await query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))
          .length > 0,
      end: () => c.end(),
    };
  }
  if (db.kind === 'mariadb') {
    const c = await mysql.createConnection(url);
    const query = async (sql: string, params: readonly unknown[] = []) => {
      const [rows] = await c.query(sql, [...params]);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    };
    return {
      query,
      someoneWaitsForALock: async () =>
        (
          await query(`SELECT 1 FROM information_schema.processlist
            WHERE db = DATABASE() AND id <> CONNECTION_ID() AND command = 'Query'`)
        ).length > 0,
      end: () => c.end(),
    };
  }
  throw new Error(`no second session on ${db.kind}: it has one writer`);
}
