import { JOB_TABLE } from '../job.entity.js';
import type { Sql, SqlSyntax } from '../sql.util.js';

/**
 * The dedup modes beyond "one unfinished job per key" (which the partial unique index enforces on
 * insert): jobs enqueued recently with a key, finished ones included, and the update of a waiting job.
 */

/** Jobs holding these keys that were created less than `for_ms` ago (each key its own period), newest first. */
export function selectRecentByUniqueKeys(syntax: SqlSyntax, keys: readonly { key: string; for_ms: number }[]): Sql {
  const p = syntax.params();
  const { from, col } = syntax.rowsSource(p, keys, { key: 'text', for_ms: 'bigint' });
  const sql = `SELECT j.* FROM ${JOB_TABLE} j JOIN ${from} ON j.unique_key = ${col('key')}
    WHERE j.created_at > ${syntax.nowMinus(col('for_ms'))}
    ORDER BY j.id DESC`;
  return p.sql(sql);
}

/**
 * The pending job holding each key gets a new input (JSON text) and `run_after`: the epoch
 * milliseconds given, else the database's clock + `delay_ms` (0 when null). Returns their ids.
 */
export function replaceWaiting(
  syntax: SqlSyntax,
  rows: readonly { key: string; input: string; run_after_ms: number | null; delay_ms: number | null }[],
): Sql {
  const p = syntax.params();
  const j = syntax.target.ref;
  const { from, col } = syntax.rowsSource(p, rows, {
    key: 'text',
    input: 'text',
    run_after_ms: 'bigint',
    delay_ms: 'bigint',
  });
  const runAfter = `COALESCE(${syntax.fromEpochMs(col('run_after_ms'))}, ${syntax.nowPlus(`COALESCE(${col('delay_ms')}, 0)`)})`;
  const sql = `UPDATE ${syntax.target.table} SET input = ${syntax.json(col('input'))}, run_after = ${runAfter}
    FROM ${from} WHERE ${j}unique_key = ${col('key')} AND ${j}state = 'pending'
    RETURNING ${j}id`;
  return p.sql(sql);
}
