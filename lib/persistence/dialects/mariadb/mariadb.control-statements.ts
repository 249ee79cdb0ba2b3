import { JOB_TABLE } from '../../job.entity.js';
import type { Sql } from '../../sql.util.js';
import { updateJoined } from './mariadb.statements.js';
import { JOBS_BY_ID, jobsBy, jsonTable, mariadbSyntax as syntax, NOW } from './mariadb.syntax.js';

/**
 * MariaDB's statements for acting on jobs by hand (`JobQueue.retry`, `discard`) and for the dedup
 * modes of `unique`. As in `mariadb.statements.ts`, a write that reports its rows is a lock (SELECT
 * ... FOR UPDATE) and then an UPDATE of the ids locked, in the caller's transaction.
 */

/** Locks jobs among `ids` with the state a conditional write compares (a retry's `from`). */
export function lockJobs(ids: readonly string[]): Sql {
  const p = syntax.params();
  return p.sql(`SELECT id, pipeline_id, state FROM ${JOBS_BY_ID} WHERE id ${p.list(ids, 'bigint')} FOR UPDATE`);
}

/**
 * Finished jobs set going again: pending (or blocked on `blocking` dependencies), attempts reset,
 * output, error and times cleared, due now, the `log` entry appended (stamped with the clock).
 */
export function setReopened(rows: readonly { id: string; state: string; blocking: number; log: string }[]): Sql {
  return updateJoined(
    rows,
    { state: 'text', blocking: 'int', log: 'json' },
    `j.attempt_log = ${syntax.appendLog('j.attempt_log', 'v.log')},
      j.blocking_deps = v.blocking, j.attempts = 0, j.output = NULL, j.error = NULL, j.progress = NULL,
      j.started_at = NULL, j.finished_at = NULL, j.run_after = ${NOW}, j.cancel_requested = false,
      j.locked_by = NULL, j.lease_until = NULL, j.state = v.state`,
  );
}

/** Locks a job if it has not started (pending or blocked), for a discard. */
export function lockNotStarted(id: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT id, pipeline_id, state FROM ${JOBS_BY_ID}
    WHERE id = ${p.add(id)} AND state IN ('pending', 'blocked') FOR UPDATE`);
}

/**
 * Jobs holding these keys created less than `for_ms` ago (each key its own period), finished or
 * not, newest first. (`key` is a reserved word in MariaDB: the rows' column is `unique_key`.)
 */
export function selectRecentByUniqueKeys(keys: readonly { key: string; for_ms: number }[]): Sql {
  const p = syntax.params();
  const rows = keys.map((k) => ({ unique_key: k.key, for_ms: k.for_ms }));
  const from = jsonTable(p, rows, { unique_key: 'text', for_ms: 'bigint' });
  return p.sql(`SELECT j.* FROM ${JOB_TABLE} j JOIN ${from} ON j.unique_key = v.unique_key
    WHERE j.created_at > ${syntax.nowMinus('v.for_ms')} ORDER BY j.id DESC`);
}

/** Locks the pending jobs holding these keys (at most one per key), for a replace. */
export function lockWaiting(keys: readonly string[]): Sql {
  const p = syntax.params();
  return p.sql(`SELECT id, unique_key FROM ${jobsBy('unique_recent')}
    WHERE unique_key ${p.list(keys, 'text')} AND state = 'pending' FOR UPDATE`);
}

/**
 * New input (JSON text) and `run_after` for locked waiting jobs: the epoch milliseconds given,
 * else the clock + `delay_ms` (0 when null).
 */
export function setReplaced(
  rows: readonly { id: string; input: string; run_after_ms: number | null; delay_ms: number | null }[],
): Sql {
  const runAfter = `COALESCE(${syntax.fromEpochMs('v.run_after_ms')}, ${syntax.nowPlus('COALESCE(v.delay_ms, 0)')})`;
  return updateJoined(
    rows,
    { input: 'json', run_after_ms: 'bigint', delay_ms: 'bigint' },
    `j.input = v.input, j.run_after = ${runAfter}`,
  );
}
