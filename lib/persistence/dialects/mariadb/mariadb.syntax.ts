import { JOB_TABLE } from '../../job.entity.js';
import { Params, type Sql, type SqlSyntax } from '../../sql.util.js';

/**
 * Put before a statement with an `IN (...)` list: MariaDB turns a list of
 * `in_predicate_conversion_threshold` values or more (1,000 by default) into a sub-select of a
 * table value constructor, and the list no longer bounds the read of the table. During a drain a
 * finish of 2,000 jobs then read, and as a locking write locked, every row of `queue_job`
 * (information_schema.INNODB_TRX: 20,194 rows locked, 0 modified), and a claim meanwhile skipped
 * every due job. Bench mariadb-noop-drain, 8 repetitions: 24 claims came back empty with due jobs
 * in the table, and in 4 of 45 repetitions `untilEmpty` stopped with up to 3,911 of 20,000
 * jobs still pending; with the prefix, 16 repetitions, none. The setting holds for this statement
 * only.
 */
const KEEP_IN_LISTS = 'SET STATEMENT in_predicate_conversion_threshold = 0 FOR ';

class MariadbParams extends Params {
  /** Whether the statement has an `IN (...)` list (see KEEP_IN_LISTS). */
  private hasList = false;

  /** mysql2 binds anonymous `?` in textual order: each `$n` becomes `?`, values laid out as they appear. */
  sql(text: string): Sql {
    const params: unknown[] = [];
    const sql = text.replace(/\$(\d+)/g, (_, n: string) => {
      params.push(this.values[Number(n) - 1]);
      return '?';
    });
    return { sql: this.hasList ? `${KEEP_IN_LISTS}${sql.trimStart()}` : sql, params };
  }

  /**
   * One placeholder per value: `IN (?, ?, ...)` on the primary key is a handful of index probes,
   * where a JSON_TABLE sub-select would be a join the optimizer has to plan.
   */
  list(values: readonly (string | number)[]): string {
    if (values.length === 0) return 'IN (NULL)';
    this.hasList = true;
    return `IN (${values.map((v) => this.add(v)).join(', ')})`;
  }
}

/**
 * The job table read by its primary key, for statements on a list of ids. Without the hint, on a
 * small table MariaDB read the whole primary key instead (EXPLAIN: type index, 5 rows for 3 ids) and
 * a locking statement locked every row it read: a finish then held every due job, and a claim's
 * SKIP LOCKED passed them all over (or its write waited for the finish). With an alias, the hint
 * follows it: `queue_job j FORCE INDEX (PRIMARY)`.
 */
export const JOBS_BY_ID = `${JOB_TABLE} FORCE INDEX (PRIMARY)`;

/**
 * The job table read by one secondary index, for the other locking reads: InnoDB locks every index
 * record such a read passes, so it must pass only its own rows. Without the hint, on a small table
 * the replace's lock of the pending holders of a key read the claim index from `state = 'pending'`
 * (EXPLAIN: key queue_job_claim_idx) and locked every pending job until the enqueue committed.
 */
export const jobsBy = (index: 'leased' | 'pipeline' | 'unique_recent') =>
  `${JOB_TABLE} FORCE INDEX (queue_job_${index}_idx)`;

/** The clock: UTC, milliseconds (the columns are `datetime(3)` holding UTC; the session time zone never enters). */
export const NOW = 'UTC_TIMESTAMP(3)';

/** The clock as ISO text, for times written into JSON (attempt logs). */
export const NOW_ISO = `DATE_FORMAT(${NOW}, '%Y-%m-%dT%H:%i:%s.%fZ')`;

/** PostgreSQL type names (what the shared builders give) to JSON_TABLE column types. */
const TABLE_TYPE: Record<string, string> = {
  bigint: 'BIGINT',
  int: 'INT',
  boolean: 'INT',
  text: 'LONGTEXT',
  json: 'LONGTEXT',
  jsonb: 'LONGTEXT',
};

/**
 * A batch of rows as one JSON parameter walked by JSON_TABLE. A null field is left out of its
 * object, so the column reads NULL (JSON_TABLE's value for a missing path).
 */
export function jsonTable(p: Params, rows: readonly object[], columns: Record<string, string>, alias = 'v'): string {
  const compact = rows.map((r) =>
    Object.fromEntries(Object.entries(r).filter(([, v]) => v !== null && v !== undefined)),
  );
  const defs = Object.entries(columns).map(([name, type]) => `${name} ${TABLE_TYPE[type] ?? type} PATH '$.${name}'`);
  return `JSON_TABLE(${p.add(JSON.stringify(compact))}, '$[*]' COLUMNS (${defs.join(', ')})) AS ${alias}`;
}

/**
 * MariaDB's syntax for the shared builders it uses (reads, inserts of edges and pipelines, progress,
 * purge) and for its own statements: `datetime(3)` in UTC, JSON as text, `?` placeholders, row
 * locks with `FOR UPDATE`. MariaDB has no `UPDATE ... FROM` and no `UPDATE ... RETURNING`: its
 * other writes are in `mariadb.statements.ts`.
 */
export const mariadbSyntax: SqlSyntax = {
  params: () => new MariadbParams(),
  now: NOW,
  nowPlus: (ms) => `(${NOW} + INTERVAL (${ms} * 1000) MICROSECOND)`,
  nowMinus: (ms) => `(${NOW} - INTERVAL (${ms} * 1000) MICROSECOND)`,
  // Minutes from the epoch as a UTC datetime, for the same reason.
  epochMinute: (time) => `TIMESTAMPDIFF(MINUTE, TIMESTAMP'1970-01-01 00:00:00', ${time})`,
  // Epoch milliseconds counted from the epoch as a UTC datetime: FROM_UNIXTIME would read the session's time zone.
  fromEpochMs: (ms) => `(TIMESTAMP'1970-01-01 00:00:00.000' + INTERVAL (${ms} * 1000) MICROSECOND)`,
  json: (placeholder) => placeholder,
  appendLog: (log, entry) => `JSON_ARRAY_APPEND(${log}, '$', JSON_SET(${entry}, '$.at', ${NOW_ISO}))`,
  inSelect: (column, select) => `${column} IN (${select})`,
  rowLocator: 'id',
  forUpdate: ' FOR UPDATE',
  target: { table: `${JOB_TABLE} j`, ref: 'j.' },

  rowsSource(p, rows, columns) {
    return { from: jsonTable(p, rows, columns), col: (name) => `v.${name}` };
  },

  /** The shared fenced writes (`UPDATE ... FROM ... RETURNING`) have no MariaDB form: `MariadbDialect` writes its own. */
  keyedRows() {
    throw new Error('MariaDB writes fenced rows with its own statements (mariadb.statements.ts)');
  },
};
