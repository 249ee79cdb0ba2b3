import { CompiledQuery, type Kysely } from 'kysely';

export type Dialect = 'postgresql' | 'sqlite';

/** Anything that runs a compiled query: the pool, one connection, or a transaction. */
export type Executor = Pick<Kysely<any>, 'executeQuery'>;

/** A statement and its bound parameters; values never enter the SQL text. */
export interface Sql {
  sql: string;
  params: unknown[];
}

/** Collects parameters and hands out the dialect's placeholder for each (`$n` or `?`). */
export class Params {
  readonly values: unknown[] = [];

  constructor(private readonly dialect: Dialect) {}

  /** Numbered placeholders in both dialects while building, so the order parameters are added in does not matter. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /**
   * The finished statement. better-sqlite3 binds only anonymous `?` in textual order, so for SQLite
   * each `$n` becomes `?` and the values are laid out in the order they appear in the text.
   * (No SQL literal here contains `$` followed by a digit; JSON paths are `'$.x'` and `'$[#]'`.)
   */
  sql(text: string): Sql {
    if (this.dialect === 'postgresql') return { sql: text, params: this.values };
    const params: unknown[] = [];
    const sql = text.replace(/\$(\d+)/g, (_, n: string) => {
      params.push(this.values[Number(n) - 1]);
      return '?';
    });
    return { sql, params };
  }

  /** A list of values for `IN`: a typed array in PostgreSQL, a JSON array walked by `json_each` in SQLite. */
  list(values: readonly (string | number)[], pgType: 'text' | 'bigint'): string {
    if (this.dialect === 'postgresql') return `= ANY(${this.add(values)}::${pgType}[])`;
    return `IN (SELECT value FROM json_each(${this.add(JSON.stringify(values))}))`;
  }
}

export async function run<R = Record<string, unknown>>(ex: Executor, q: Sql): Promise<R[]> {
  const result = await ex.executeQuery(CompiledQuery.raw(q.sql, q.params));
  return result.rows as R[];
}

/** The database's clock, in the unit the dialect stores times in (timestamptz / epoch ms). */
export function now(dialect: Dialect): string {
  return dialect === 'postgresql' ? 'now()' : `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;
}

/** The database's clock plus a parameter holding milliseconds. */
export function nowPlus(dialect: Dialect, msPlaceholder: string): string {
  return dialect === 'postgresql'
    ? `(now() + ${msPlaceholder}::bigint * interval '1 millisecond')`
    : `(${now(dialect)} + ${msPlaceholder})`;
}

/**
 * A batch of rows given as one JSON parameter, so a statement carries any number of rows with a
 * fixed SQL text. PostgreSQL: `jsonb_to_recordset`; SQLite: `json_each` and `->>`.
 * `columns` maps a field to its PostgreSQL type; SQLite reads the field by name.
 */
export function rowsSource(
  dialect: Dialect,
  p: Params,
  rows: readonly object[],
  columns: Record<string, string>,
): { from: string; col: (name: string) => string } {
  const param = p.add(JSON.stringify(rows));
  if (dialect === 'postgresql') {
    const defs = Object.entries(columns)
      .map(([name, type]) => `${name} ${type}`)
      .join(', ');
    return { from: `jsonb_to_recordset(${param}::jsonb) AS v(${defs})`, col: (name) => `v.${name}` };
  }
  return { from: `json_each(${param}) AS v`, col: (name) => `(v.value ->> '$.${name}')` };
}

/**
 * A batch of per-job values for an UPDATE of the jobs with these ids, joined by id without a join.
 * PostgreSQL: `WHERE j.id = ANY(ids)` and each value looked up by the row's id in one jsonb object
 * (`{"<id>": {"attempt": 1, ...}}`, parsed once per statement; a key lookup is a binary search), so
 * the plan is the same whatever the table statistics say. With a join, a freshly filled table (not
 * analysed yet) got a nested loop that re-read the whole batch per running row: one completion batch
 * of 500 took 1.4 s (bench noop-drain, 20,000 jobs). Picking values from arrays by
 * `array_position` was quadratic: about 5 ms of a 10 ms batch of 500 (EXPLAIN ANALYZE).
 * SQLite: `json_each`, as `rowsSource`.
 * `rows` need an `id`; `columns` maps the other fields to their PostgreSQL type, or to 'json' for a
 * field holding JSON text: a jsonb value on PostgreSQL (embedded as is, never parsed twice), the
 * text on SQLite.
 */
export function keyedRows(
  dialect: Dialect,
  p: Params,
  rows: readonly ({ id: string } & object)[],
  columns: Record<string, string>,
  table: string,
): { from: string; match: string; col: (name: string) => string } {
  if (dialect === 'sqlite') {
    const { from, col } = rowsSource(dialect, p, rows, { id: 'bigint', ...columns });
    return { from: `FROM ${from}`, match: `${table}.id = ${col('id')}`, col };
  }
  // Array literals built here (ids are digits): the driver's own array encoding escapes each element.
  const ids = `${p.add(`{${rows.map((r) => r.id).join(',')}}`)}::bigint[]`;
  // Built as text: ids are digits and column names identifiers; a 'json' value is already JSON.
  const names = Object.keys(columns);
  // A repeated id keeps its first values (a jsonb object keeps the last of repeated keys).
  const seen = new Set<string>();
  const entries = rows.filter((r) => !seen.has(r.id) && seen.add(r.id)).map((r) => {
    const values = names.map((n) => {
      const v = (r as Record<string, unknown>)[n];
      return `"${n}":${columns[n] === 'json' ? (v as string) : JSON.stringify(v)}`;
    });
    return `"${r.id}":{${values.join(',')}}`;
  });
  const map = `${p.add(`{${entries.join(',')}}`)}::jsonb`;
  return {
    from: '',
    match: `${table}.id = ANY(${ids})`,
    col: (name) => {
      const value = `(${map} -> ${table}.id::text)`;
      return columns[name] === 'json' ? `(${value} -> '${name}')` : `(${value} ->> '${name}')::${columns[name]}`;
    },
  };
}

/** Runs `fn` in one transaction on one connection. SQLite takes the write lock up front (`BEGIN IMMEDIATE`) so two processes never deadlock upgrading a read lock. */
export async function inTransaction<T>(
  db: Kysely<any>,
  dialect: Dialect,
  fn: (tx: Executor) => Promise<T>,
  /** PostgreSQL: `SET LOCAL` statements sent with BEGIN in the same round trip (no parameters). */
  settings: readonly string[] = [],
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await conn.executeQuery(CompiledQuery.raw(beginStatement(dialect, settings)));
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

function beginStatement(dialect: Dialect, settings: readonly string[]): string {
  return dialect === 'sqlite' ? 'BEGIN IMMEDIATE' : ['BEGIN', ...settings.map((s) => `SET LOCAL ${s}`)].join('; ');
}
