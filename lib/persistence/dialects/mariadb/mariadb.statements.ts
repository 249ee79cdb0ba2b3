import { JOB_TABLE } from '../../job.entity.js';
import { DEPENDENCY_TABLE } from '../../pipeline.entity.js';
import type { Sql } from '../../sql.util.js';
import {
  CLAIM_ORDER_SQL,
  CLAIMED_COLUMNS,
  INSERTED_COLUMNS,
  type ClaimFilter,
  type NewJobRow,
} from '../../store.types.js';
import { JOBS_BY_ID, jobsBy, jsonTable, mariadbSyntax as syntax, NOW, NOW_ISO } from './mariadb.syntax.js';

/**
 * MariaDB's writes. It has `INSERT`/`DELETE ... RETURNING` but no `UPDATE ... RETURNING` and no
 * `UPDATE ... FROM`, so every write that must report the rows it changed is two statements in one
 * transaction: a `SELECT ... FOR UPDATE` that locks the rows and reads what deciding needs, then an
 * UPDATE of exactly those ids (the dialect decides the outcome from the locked rows, which nothing
 * else can change before the transaction ends). Per-row values travel as one JSON parameter walked
 * by JSON_TABLE, joined to the table by id (MariaDB's multi-table UPDATE).
 *
 * MariaDB assigns SET clauses left to right, a later one seeing the earlier ones' new values: every
 * SET below assigns a column only after the clauses that read its old value.
 */

/**
 * The claim's read: due jobs in claim order (CLAIM_ORDER_SQL: priority higher first, then
 * run_after, then id), locked, skipping rows another claimer holds. `queue_job_claim_idx` is
 * `(state, priority DESC, run_after, id)`: the scan seeks to the pending rows and walks them in
 * order, so it stops after `limit` due rows whatever the number of finished ones. `paused`: the
 * paused queues, read just before in the same transaction (see `selectPausedQueues`).
 */
export function selectClaimable(f: ClaimFilter, paused: readonly string[]): Sql {
  const p = syntax.params();
  let where = `state = 'pending' AND run_after <= ${NOW} AND name ${p.list(f.names, 'text')}`;
  if (f.queues?.length) where += ` AND queue ${p.list(f.queues, 'text')}`;
  if (f.notQueues?.length) where += ` AND NOT (queue ${p.list(f.notQueues, 'text')})`;
  if (paused.length) where += ` AND queue NOT ${p.list(paused, 'text')}`;
  return p.sql(`SELECT ${CLAIMED_COLUMNS.join(', ')} FROM ${JOB_TABLE} WHERE ${where}
    ORDER BY ${CLAIM_ORDER_SQL} LIMIT ${p.add(f.limit)} FOR UPDATE SKIP LOCKED`);
}

/** The claim's write, for the rows `selectClaimable` locked. */
export function markClaimed(ids: readonly string[], consumerId: string, leaseMs: number): Sql {
  const p = syntax.params();
  return p.sql(`UPDATE ${JOBS_BY_ID} SET state = 'running', attempts = attempts + 1, locked_by = ${p.add(consumerId)},
    lease_until = ${syntax.nowPlus(p.add(leaseMs))}, started_at = ${NOW}, cancel_requested = false
    WHERE id ${p.list(ids, 'bigint')}`);
}

/**
 * Locks the running jobs of these ids that `consumerId` holds: the fence's first half (the attempt,
 * which differs per job, is compared by the caller).
 */
export function lockHeld(ids: readonly string[], consumerId: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT id, attempts, pipeline_id, cancel_requested FROM ${JOBS_BY_ID}
    WHERE id ${p.list(ids, 'bigint')} AND state = 'running' AND locked_by = ${p.add(consumerId)} FOR UPDATE`);
}

/**
 * `UPDATE queue_job j JOIN <rows> v ON j.id = v.id SET <set>`: per-row values as `v.<column>`, on
 * the rows' ids and `and` (a further condition on `j`). The ids are also listed on `j.id`: MariaDB
 * cannot reach `j` through its key from a JSON_TABLE, and on a small table it scanned (and, in this
 * write, locked) every row, so a claim running meanwhile skipped every due job (EXPLAIN: j ALL).
 */
export function updateJoined(
  rows: readonly ({ id: string } & object)[],
  columns: Record<string, string>,
  set: string,
  and = '',
): Sql {
  const p = syntax.params();
  const from = jsonTable(p, rows, { id: 'bigint', ...columns });
  const ids = p.list(
    rows.map((r) => r.id),
    'bigint',
  );
  return p.sql(
    `UPDATE ${JOB_TABLE} j FORCE INDEX (PRIMARY) JOIN ${from} ON j.id = v.id SET ${set} WHERE j.id ${ids}${and ? ` AND ${and}` : ''}`,
  );
}

/** Completed (or cancelled, decided by the caller) with the job's output. */
export function setCompleted(rows: readonly { id: string; state: string; output: string }[]): Sql {
  return updateJoined(
    rows,
    { state: 'text', output: 'json' },
    `j.state = v.state, j.output = v.output, j.finished_at = ${NOW}, j.locked_by = NULL, j.lease_until = NULL`,
  );
}

/** A failed attempt: `ends` (final, or cancelled) or pending again after `delay_ms`; its log entry gets the database's clock. */
export function setFailed(
  rows: readonly { id: string; state: string; ends: number; delay_ms: number; error: string; log: string }[],
): Sql {
  return updateJoined(
    rows,
    { state: 'text', ends: 'int', delay_ms: 'bigint', error: 'json', log: 'json' },
    `j.run_after = CASE WHEN v.ends = 1 THEN j.run_after ELSE ${NOW} + INTERVAL (v.delay_ms * 1000) MICROSECOND END,
      j.finished_at = CASE WHEN v.ends = 1 THEN ${NOW} ELSE NULL END,
      j.error = v.error,
      j.attempt_log = JSON_ARRAY_APPEND(j.attempt_log, '$', JSON_SET(v.log, '$.at', ${NOW_ISO})),
      j.state = v.state, j.locked_by = NULL, j.lease_until = NULL`,
  );
}

/** Handed back without using up the attempt (shutdown); `cancel`: a cancel was requested, so it ends cancelled. */
export function setReleased(rows: readonly { id: string; cancel: number }[]): Sql {
  return updateJoined(
    rows,
    { cancel: 'int' },
    `j.attempts = CASE WHEN v.cancel = 1 THEN j.attempts ELSE j.attempts - 1 END,
      j.finished_at = CASE WHEN v.cancel = 1 THEN ${NOW} ELSE NULL END,
      j.state = CASE WHEN v.cancel = 1 THEN 'cancelled' ELSE 'pending' END,
      j.run_after = ${NOW}, j.locked_by = NULL, j.lease_until = NULL`,
  );
}

/**
 * A snoozed attempt, given back (not counted): pending again `delay_ms` after the clock, its log
 * entry stamped with the clock; `cancel`: a cancel was requested, so it ends cancelled (attempts kept).
 */
export function setSnoozed(rows: readonly { id: string; cancel: number; delay_ms: number; log: string }[]): Sql {
  return updateJoined(
    rows,
    { cancel: 'int', delay_ms: 'bigint', log: 'json' },
    `j.attempts = CASE WHEN v.cancel = 1 THEN j.attempts ELSE j.attempts - 1 END,
      j.finished_at = CASE WHEN v.cancel = 1 THEN ${NOW} ELSE NULL END,
      j.run_after = CASE WHEN v.cancel = 1 THEN j.run_after ELSE ${syntax.nowPlus('v.delay_ms')} END,
      j.attempt_log = ${syntax.appendLog('j.attempt_log', 'v.log')},
      j.state = CASE WHEN v.cancel = 1 THEN 'cancelled' ELSE 'pending' END,
      j.locked_by = NULL, j.lease_until = NULL`,
  );
}

export function extendLeases(ids: readonly string[], leaseMs: number): Sql {
  const p = syntax.params();
  return p.sql(
    `UPDATE ${JOBS_BY_ID} SET lease_until = ${syntax.nowPlus(p.add(leaseMs))} WHERE id ${p.list(ids, 'bigint')}`,
  );
}

/** Running jobs whose lease lapsed, oldest first, locked (skipping rows another rescuer holds). */
export function selectExpired(limit: number): Sql {
  const p = syntax.params();
  return p.sql(`SELECT id, name, pipeline_id, attempts, max_attempts, cancel_requested FROM ${jobsBy('leased')}
    WHERE state = 'running' AND lease_until < ${NOW} ORDER BY lease_until LIMIT ${p.add(limit)} FOR UPDATE SKIP LOCKED`);
}

/** The rescue of the rows `selectExpired` locked: the lost attempt logged, pending again or ended. */
export function setRescued(ids: readonly string[]): Sql {
  const p = syntax.params();
  const ends = '(cancel_requested OR attempts >= max_attempts)';
  const message = `CONCAT('consumer ', COALESCE(locked_by, '?'), ' stopped renewing its lease (it crashed, froze or lost the database); attempt ', attempts, ' was lost')`;
  const error = `JSON_OBJECT('name', 'LeaseExpiredError', 'message', ${message})`;
  const entry = `JSON_OBJECT('attempt', attempts, 'outcome', 'lost', 'consumer', locked_by, 'at', ${NOW_ISO}, 'error', ${error})`;
  return p.sql(`UPDATE ${JOBS_BY_ID} SET
    finished_at = CASE WHEN ${ends} THEN ${NOW} ELSE NULL END,
    error = ${error},
    attempt_log = JSON_ARRAY_APPEND(attempt_log, '$', ${entry}),
    state = CASE WHEN cancel_requested THEN 'cancelled' WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,
    run_after = ${NOW}, locked_by = NULL, lease_until = NULL
    WHERE id ${p.list(ids, 'bigint')}`);
}

const NOT_STARTED = `state IN ('pending', 'blocked')`;

/** Locks the unfinished jobs among `ids`, for a cancel. */
export function lockCancellable(ids: readonly string[]): Sql {
  const p = syntax.params();
  return p.sql(`SELECT id, pipeline_id, state FROM ${JOBS_BY_ID}
    WHERE id ${p.list(ids, 'bigint')} AND state IN ('pending', 'blocked', 'running') FOR UPDATE`);
}

/** Locks a pipeline's unfinished steps not yet asked to cancel. */
export function lockCancellableSteps(pipelineId: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT id, pipeline_id, state FROM ${jobsBy('pipeline')} WHERE pipeline_id = ${p.add(pipelineId)}
    AND (${NOT_STARTED} OR (state = 'running' AND cancel_requested = false)) FOR UPDATE`);
}

/** Unstarted jobs end cancelled at once; running ones get `cancel_requested` (their consumer sees it at its next heartbeat). */
export function setCancelled(ids: readonly string[]): Sql {
  const p = syntax.params();
  return p.sql(`UPDATE ${JOBS_BY_ID} SET
    cancel_requested = CASE WHEN state = 'running' THEN true ELSE cancel_requested END,
    finished_at = CASE WHEN ${NOT_STARTED} THEN ${NOW} ELSE finished_at END,
    state = CASE WHEN ${NOT_STARTED} THEN 'cancelled' ELSE state END
    WHERE id ${p.list(ids, 'bigint')}`);
}

/** Locks blocked jobs among `ids`, with their counts. */
export function lockBlocked(ids: readonly string[]): Sql {
  const p = syntax.params();
  return p.sql(
    `SELECT id, blocking_deps FROM ${JOBS_BY_ID} WHERE id ${p.list(ids, 'bigint')} AND state = 'blocked' FOR UPDATE`,
  );
}

/** Locks the blocked dependants of these jobs, each with how many of its edges come from them. */
export function lockDependantsOf(ids: readonly string[]): Sql {
  const p = syntax.params();
  return p.sql(`SELECT j.id, j.blocking_deps, c.n FROM ${JOB_TABLE} j FORCE INDEX (PRIMARY)
    JOIN (SELECT job_id, COUNT(*) AS n FROM ${DEPENDENCY_TABLE} WHERE depends_on_id ${p.list(ids, 'bigint')} GROUP BY job_id) c ON j.id = c.job_id
    WHERE j.state = 'blocked' FOR UPDATE`);
}

/** New blocking counts, decided by the caller; one reaching 0 is pending, due no earlier than now. */
export function setBlocking(rows: readonly { id: string; deps: number; state: string }[]): Sql {
  return updateJoined(
    rows,
    { deps: 'int', state: 'text' },
    `j.run_after = CASE WHEN v.state = 'pending' AND j.run_after < ${NOW} THEN ${NOW} ELSE j.run_after END,
      j.blocking_deps = v.deps, j.state = v.state`,
  );
}

/** Unstarted jobs end without running (a dependency failed, was skipped or cancelled; or discarded by hand). */
export function setEndedBlocked(rows: readonly { id: string; state: string; error: string | null }[]): Sql {
  return updateJoined(
    rows,
    { state: 'text', error: 'json' },
    `j.error = v.error, j.finished_at = ${NOW}, j.state = v.state`,
  );
}

export function addBlocking(rows: readonly { id: string; n: number }[]): Sql {
  return updateJoined(rows, { n: 'int' }, 'j.blocking_deps = j.blocking_deps + v.n', `j.state = 'blocked'`);
}

/** Times as MariaDB reads them from text: UTC, to the millisecond. */
export function utcText(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Inserts jobs in one statement: rows travel as one JSON parameter walked by JSON_TABLE, in `ord`
 * order, so their ids ascend in input order. A row whose unique key an unfinished job holds is left
 * out: `INSERT IGNORE` skips it on `queue_job_unique_key_idx` (see `adaptJobEntities`). IGNORE also
 * downgrades other errors to warnings, so it is used only for batches that carry unique keys, whose
 * values the queue has checked before they get here.
 */
export function insertJobs(rows: readonly NewJobRow[]): Sql {
  const p = syntax.params();
  const values = rows.map((r) => ({ ...r, run_after: r.run_after ? utcText(r.run_after) : null }));
  const from = jsonTable(p, values, {
    ord: 'int',
    name: 'text',
    queue: 'text',
    state: 'text',
    priority: 'int',
    input: 'json',
    max_attempts: 'int',
    backoff: 'json',
    timeout_ms: 'int',
    run_after: 'text',
    pipeline_id: 'bigint',
    step: 'text',
    parent_id: 'bigint',
    blocking_deps: 'int',
    unique_key: 'text',
    concurrency_key: 'text',
    trace_context: 'text',
  });
  const ignore = rows.some((r) => r.unique_key !== null) ? 'IGNORE' : '';
  return p.sql(`
    INSERT ${ignore} INTO ${JOB_TABLE} (name, queue, state, priority, input, max_attempts, backoff, timeout_ms,
      run_after, created_at, pipeline_id, step, parent_id, blocking_deps, unique_key, concurrency_key, trace_context,
      attempt_log)
    SELECT v.name, v.queue, v.state, v.priority, v.input, v.max_attempts, v.backoff, v.timeout_ms,
      COALESCE(v.run_after, ${NOW}), ${NOW}, v.pipeline_id, v.step, v.parent_id, v.blocking_deps, v.unique_key, v.concurrency_key, v.trace_context, '[]'
    FROM ${from}
    ORDER BY v.ord
    RETURNING ${INSERTED_COLUMNS}`);
}
