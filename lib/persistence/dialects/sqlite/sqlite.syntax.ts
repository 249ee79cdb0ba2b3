import { JOB_TABLE } from '../../job.entity.js';
import { Params, type Sql, type SqlSyntax } from '../../sql.util.js';

class SqliteParams extends Params {
  /**
   * better-sqlite3 binds only anonymous `?` in textual order, so each `$n` becomes `?` and the values
   * are laid out in the order they appear in the text. (No SQL literal here contains `$` followed by
   * a digit; JSON paths are `'$.x'` and `'$[#]'`.)
   */
  sql(text: string): Sql {
    const params: unknown[] = [];
    const sql = text.replace(/\$(\d+)/g, (_, n: string) => {
      params.push(this.values[Number(n) - 1]);
      return '?';
    });
    return { sql, params };
  }

  /** A JSON array walked by `json_each`. */
  list(values: readonly (string | number)[]): string {
    return `IN (SELECT value FROM json_each(${this.add(JSON.stringify(values))}))`;
  }
}

const NOW = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;

/**
 * SQLite's syntax for the shared builders: times are epoch milliseconds, JSON is text, and no row
 * lock is needed (`BEGIN IMMEDIATE` holds the database's write lock for the whole transaction).
 */
export const sqliteSyntax: SqlSyntax = {
  params: () => new SqliteParams(),
  now: NOW,
  nowPlus: (ms) => `(${NOW} + ${ms})`,
  nowMinus: (ms) => `${NOW} - ${ms}`,
  epochMinute: (time) => `(${time} / 60000)`,
  fromEpochMs: (ms) => ms,
  json: (placeholder) => placeholder,
  appendLog: (log, entry) => `json_insert(${log}, '$[#]', json(json_set(${entry}, '$.at', ${NOW})))`,
  inSelect: (column, select) => `${column} IN (${select})`,
  rowLocator: 'id',
  forUpdate: '',
  // SQLite's UPDATE ... FROM cannot alias its target.
  target: { table: JOB_TABLE, ref: `${JOB_TABLE}.` },

  /** `json_each`, each field read by name with `->>`. */
  rowsSource(p, rows) {
    const param = p.add(JSON.stringify(rows));
    return { from: `json_each(${param}) AS v`, col: (name) => `(v.value ->> '$.${name}')` };
  },

  /** `rowsSource`, joined by id; a 'json' field is its text. */
  keyedRows(p, rows, columns) {
    // Only the listed columns go into the parameter: a completed row also carries its effects
    // (spawned children's inputs, a workspace patch) for the store, which SQLite would otherwise
    // receive as text and walk for every column it reads.
    const names = ['id', ...Object.keys(columns)];
    const slim = rows.map((r) => Object.fromEntries(names.map((n) => [n, (r as Record<string, unknown>)[n]])));
    const { from, col } = this.rowsSource(p, slim, { id: 'bigint', ...columns });
    return { from: `FROM ${from}`, match: `${JOB_TABLE}.id = ${col('id')}`, col };
  },
};
