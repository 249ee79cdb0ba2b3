import type { Kysely } from 'kysely';
import { MariadbDialect } from '../../lib/persistence/dialects/mariadb/mariadb.dialect.js';

/** A connection that records the statements it is sent (BEGIN, COMMIT, ROLLBACK and the work). */
function fakeDb() {
  const sent: string[] = [];
  const conn = { executeQuery: async (q: { sql: string }) => (sent.push(q.sql), { rows: [] }) };
  const db = {
    connection: () => ({ execute: <T>(fn: (c: typeof conn) => Promise<T>) => fn(conn) }),
  } as unknown as Kysely<any>;
  return { db, sent };
}

/** mysql2's error for a lock conflict InnoDB resolved by rolling the transaction (or statement) back. */
function lockError(errno: number, code: string): Error {
  return Object.assign(new Error(code), { errno, code });
}

describe('MariaDB transactions under lock conflicts', () => {
  it.each([
    [1213, 'ER_LOCK_DEADLOCK'],
    [1205, 'ER_LOCK_WAIT_TIMEOUT'],
  ])('a transaction rolled back by %i (%s) runs again, and the caller sees only its result', async (errno, code) => {
    const { db, sent } = fakeDb();
    let runs = 0;
    const result = await new MariadbDialect().transaction(db, async () => {
      runs += 1;
      if (runs < 3) throw lockError(errno, code);
      return 'done';
    });
    expect(result).toBe('done');
    expect(runs).toBe(3);
    expect(sent).toEqual(['BEGIN', 'ROLLBACK', 'BEGIN', 'ROLLBACK', 'BEGIN', 'COMMIT']);
  });

  it('a lock conflict wrapped by the ORM (as `cause`) is recognised too', async () => {
    const { db } = fakeDb();
    let runs = 0;
    await new MariadbDialect().transaction(db, async () => {
      runs += 1;
      if (runs === 1) throw new Error('wrapped', { cause: lockError(1213, 'ER_LOCK_DEADLOCK') });
    });
    expect(runs).toBe(2);
  });

  it('any other error is rolled back and surfaces at once', async () => {
    const { db, sent } = fakeDb();
    let runs = 0;
    const failing = new MariadbDialect().transaction(db, async () => {
      runs += 1;
      throw lockError(1062, 'ER_DUP_ENTRY');
    });
    await expect(failing).rejects.toThrow('ER_DUP_ENTRY');
    expect(runs).toBe(1);
    expect(sent).toEqual(['BEGIN', 'ROLLBACK']);
  });

  it('a conflict that keeps coming back surfaces after a bounded number of runs', async () => {
    const { db } = fakeDb();
    let runs = 0;
    const failing = new MariadbDialect().transaction(db, async () => {
      runs += 1;
      throw lockError(1213, 'ER_LOCK_DEADLOCK');
    });
    await expect(failing).rejects.toThrow('ER_LOCK_DEADLOCK');
    expect(runs).toBe(20);
  });
});
