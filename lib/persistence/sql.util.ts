import { CompiledQuery, type Kysely } from 'kysely';

/** Anything that runs a compiled query: the pool, one connection, or a transaction. */
export type Executor = Pick<Kysely<any>, 'executeQuery'>;

/** A statement and its bound parameters; values never enter the SQL text. */
export interface Sql {
  sql: string;
  params: unknown[];
}

/**
 * Collects parameters while a statement is built. Builders write numbered placeholders (`$n`) in
 * every dialect, so the order parameters are added in does not matter; `sql()` lays them out as the
 * driver binds them.
 */
export abstract class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** The finished statement, in the driver's placeholder style. */
  abstract sql(text: string): Sql;

  /** A list of values for `IN`, as one parameter (`pgType` names the element type where the dialect needs it). */
  abstract list(values: readonly (string | number)[], pgType: 'text' | 'bigint'): string;
}

/**
 * The syntax a dialect writes its statements in, for the builders that PostgreSQL and SQLite share
 * (`statements/`): the clock, lists and batches of rows as parameters, JSON parameters, and the
 * target of an UPDATE. A database whose statements differ beyond these writes its own builders in
 * its folder (`dialects/<name>/`).
 */
export interface SqlSyntax {
  params(): Params;
  /** The database's clock, in the unit the dialect stores times in. */
  readonly now: string;
  /** The clock plus a parameter holding milliseconds. */
  nowPlus(msPlaceholder: string): string;
  /** The clock minus a parameter holding milliseconds. */
  nowMinus(msPlaceholder: string): string;
  /** A time expression of the dialect's own as whole minutes since the epoch (UTC), for per-minute buckets. */
  epochMinute(time: string): string;
  /** An expression holding epoch milliseconds (or null), as a time of the dialect's own. */
  fromEpochMs(ms: string): string;
  /** A parameter holding JSON text, as a JSON value of the database. */
  json(placeholder: string): string;
  /**
   * A job's `attempt_log` (the column as `log` refers to it) with `entry` appended: `entry` is a JSON
   * object expression (a 'json' value of `keyedRows`, or `json(placeholder)`), its `at` set to the
   * database clock.
   */
  appendLog(log: string, entry: string): string;
  /**
   * `column` among the values `select` returns. PostgreSQL plans `id IN (SELECT ... LIMIT n)` in a
   * DELETE as a hash semi-join over a sequential scan of the whole table (1,500 ms for 50 batches of
   * 4,000 on 400,000 rows); `= ANY(ARRAY(...))` collects the values once and finds each by index (215 ms).
   */
  inSelect(column: string, select: string): string;
  /**
   * The column that finds a row of the jobs table fastest when a statement selects and deletes the
   * same rows: PostgreSQL's `ctid` (a TID scan: no index descent per row; 3.6 ms against 5.5 ms by
   * id for a retention batch of 4,000, EXPLAIN ANALYZE over 1,000,000 finished jobs), else `id`.
   */
  readonly rowLocator: string;
  /** Appends `forUpdate` to a SELECT that locks its row until the transaction ends (`''` where the transaction holds the write lock already). */
  readonly forUpdate: string;
  /** The jobs table as an UPDATE's target, and the prefix its columns are referred to with. */
  readonly target: { table: string; ref: string };
  /**
   * A batch of rows given as one JSON parameter, so a statement carries any number of rows with a
   * fixed SQL text. `columns` maps a field to its PostgreSQL type.
   */
  rowsSource(
    p: Params,
    rows: readonly object[],
    columns: Record<string, string>,
  ): { from: string; col: (name: string) => string };
  /**
   * A batch of per-job values for an UPDATE of the jobs with these ids (`rows` need an `id`);
   * `columns` maps the other fields to their type, or to 'json' for a field holding JSON text.
   */
  keyedRows(
    p: Params,
    rows: readonly ({ id: string } & object)[],
    columns: Record<string, string>,
  ): { from: string; match: string; col: (name: string) => string };
}

export async function run<R = Record<string, unknown>>(ex: Executor, q: Sql): Promise<R[]> {
  const result = await ex.executeQuery(CompiledQuery.raw(q.sql, q.params));
  return result.rows as R[];
}

/** Runs `fn` in one transaction on one connection, opened by `begin` (one round trip, no parameters). */
export async function inTransaction<T>(db: Kysely<any>, begin: string, fn: (tx: Executor) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await conn.executeQuery(CompiledQuery.raw(begin));
    try {
      const result = await fn(conn);
      await conn.executeQuery(CompiledQuery.raw('COMMIT'));
      return result;
    } catch (err) {
      await conn.executeQuery(CompiledQuery.raw('ROLLBACK')).catch(() => undefined);
      throw err;
    }
  });
}
