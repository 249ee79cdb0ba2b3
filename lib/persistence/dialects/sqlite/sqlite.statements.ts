import { JOB_TABLE } from '../../job.entity.js';
import {
  CLAIM_ORDER_SQL,
  CLAIMED_COLUMNS,
  INSERTED_COLUMNS,
  type ClaimFilter,
  type FailedJob,
  type NewJobRow,
} from '../../store.types.js';
import type { Sql } from '../../sql.util.js';
import { fence } from '../../statements/finish-jobs.sql.js';
import { JOB_START_TABLE } from '../../job-start.entity.js';
import { pickLimited, pruneStarts, rateScopes, type LimitedClaimSyntax } from '../../statements/limited-claim.sql.js';
import { notPaused } from '../../statements/queue-control.sql.js';
import type { ClaimUnit } from '../../store.types.js';
import { sqliteSyntax as syntax } from './sqlite.syntax.js';

const J = `${JOB_TABLE}.`;

/**
 * Claims up to `limit` due jobs in one UPDATE ... WHERE id IN (SELECT ...) under SQLite's
 * single-writer lock; a second process waits on `busy_timeout` and then sees the rows already running.
 */
export function claimJobs(f: ClaimFilter): Sql {
  const p = syntax.params();
  // Placeholders are laid out in textual order: SET comes before the sub-select.
  const set = `state = 'running', attempts = attempts + 1, locked_by = ${p.add(f.consumerId)},
     lease_until = ${syntax.nowPlus(p.add(f.leaseMs))}, started_at = ${syntax.now}, cancel_requested = false`;
  let where = `state = 'pending' AND run_after <= ${syntax.now} AND name ${p.list(f.names, 'text')} AND ${notPaused('')}`;
  if (f.queues?.length) where += ` AND queue ${p.list(f.queues, 'text')}`;
  if (f.notQueues?.length) where += ` AND NOT (queue ${p.list(f.notQueues, 'text')})`;
  const sql = `UPDATE ${JOB_TABLE} SET ${set}
    WHERE id IN (SELECT id FROM ${JOB_TABLE} WHERE ${where}
      ORDER BY ${CLAIM_ORDER_SQL} LIMIT ${p.add(f.limit)})
    RETURNING ${CLAIMED_COLUMNS.join(', ')}`;
  return p.sql(sql);
}

/** SQLite's limited claims run under the database's write lock (`BEGIN IMMEDIATE`): no row locks. */
const LIMITED: LimitedClaimSyntax = {
  clock: syntax,
  least: 'min',
  greatest: 'max',
  skipLocked: '',
};

/** The statements of a claim of up to `limit` due jobs of one unit (see `pickLimited`), in order, in one transaction. */
export function claimLimitedJobs(
  f: ClaimFilter,
  u: ClaimUnit,
  limit: number,
): { prune: Sql[]; claim: Sql; starts: (n: number) => Sql[] } {
  const rates = rateScopes(u);
  const prune = rates.map((r) => {
    const p = syntax.params();
    return p.sql(pruneStarts(p, LIMITED, r.scope, r.key, r.perMs));
  });
  const p = syntax.params();
  const set = `state = 'running', attempts = attempts + 1, locked_by = ${p.add(f.consumerId)},
     lease_until = ${syntax.nowPlus(p.add(f.leaseMs))}, started_at = ${syntax.now}, cancel_requested = false`;
  const claim = p.sql(`UPDATE ${JOB_TABLE} SET ${set}
    WHERE id IN (WITH ${pickLimited(p, LIMITED, f, u, limit)} SELECT id FROM picked)
    RETURNING ${CLAIMED_COLUMNS.join(', ')}`);
  const starts = (n: number) =>
    rates.map((r) => {
      const q = syntax.params();
      const sql = `INSERT INTO ${JOB_START_TABLE} (scope, name, started_at)
      SELECT '${r.scope}', ${q.add(r.key)}, ${syntax.now} FROM json_each(${q.add(JSON.stringify(Array.from({ length: n }, () => 0)))})`;
      return q.sql(sql);
    });
  return { prune, claim, starts };
}

/**
 * Records a failed attempt: the job retries after `delay_ms`, or ends failed when `final` (or
 * cancelled, if a cancel was requested). The attempt's log entry gets the database's clock.
 */
export function failJobs(consumerId: string, jobs: readonly FailedJob[]): Sql {
  const p = syntax.params();
  const owner = p.add(consumerId);
  const { from, match, col } = syntax.keyedRows(p, jobs, {
    attempt: 'int',
    final: 'boolean',
    delay_ms: 'bigint',
    error: 'json',
    log: 'json',
  });
  const final = `${col('final')} = 1`;
  const ends = `(${final} OR ${J}cancel_requested)`;
  const sql = `
    UPDATE ${JOB_TABLE}
    SET state = CASE WHEN ${J}cancel_requested THEN 'cancelled' WHEN ${final} THEN 'failed' ELSE 'pending' END,
      run_after = CASE WHEN ${ends} THEN ${J}run_after ELSE ${syntax.now} + ${col('delay_ms')} END,
      finished_at = CASE WHEN ${ends} THEN ${syntax.now} ELSE NULL END,
      error = ${col('error')},
      attempt_log = json_insert(${J}attempt_log, '$[#]', json(json_set(${col('log')}, '$.at', ${syntax.now}))),
      locked_by = NULL, lease_until = NULL
    ${from}
    ${fence(J, match, col('attempt'), owner)}
    RETURNING ${J}id, ${J}pipeline_id, ${J}state`;
  return p.sql(sql);
}

/**
 * Rescues running jobs whose lease lapsed (their consumer died or froze): the lost attempt goes into
 * the job's history, and the job is due again at once if attempts remain, else it fails.
 */
export function rescueExpired(limit: number): Sql {
  const p = syntax.params();
  const message = `'consumer ' || COALESCE(locked_by, '?') || ' stopped renewing its lease (it crashed, froze or lost the database); attempt ' || attempts || ' was lost'`;
  const error = `json_object('name', 'LeaseExpiredError', 'message', ${message})`;
  const entry = `json_object('attempt', attempts, 'outcome', 'lost', 'consumer', locked_by, 'at', ${syntax.now}, 'error', json(${error}))`;
  const sql = `UPDATE ${JOB_TABLE} SET
    state = CASE WHEN cancel_requested THEN 'cancelled' WHEN attempts >= max_attempts THEN 'failed' ELSE 'pending' END,
    finished_at = CASE WHEN (cancel_requested OR attempts >= max_attempts) THEN ${syntax.now} ELSE NULL END,
    run_after = ${syntax.now},
    error = ${error},
    attempt_log = json_insert(attempt_log, '$[#]', json(${entry})),
    locked_by = NULL, lease_until = NULL
    WHERE id IN (SELECT id FROM ${JOB_TABLE} WHERE state = 'running' AND lease_until < ${syntax.now}
      ORDER BY lease_until LIMIT ${p.add(limit)})
    RETURNING id, pipeline_id, state, name`;
  return p.sql(sql);
}

/**
 * Inserts jobs in one statement: rows travel as one JSON parameter walked by `json_each`, in `ord`
 * order, so their ids ascend in input order. A row whose unique key is taken is left out.
 */
export function insertJobs(rows: readonly NewJobRow[]): Sql {
  const p = syntax.params();
  // Times are epoch milliseconds here.
  const values = rows.map((r) => (r.run_after ? { ...r, run_after: r.run_after.getTime() } : r));
  const { from, col } = syntax.rowsSource(p, values, {});
  const conflict = rows.some((r) => r.unique_key !== null) ? 'ON CONFLICT DO NOTHING' : '';
  const sql = `
    INSERT INTO ${JOB_TABLE} (name, queue, state, priority, input, max_attempts, backoff, timeout_ms,
      run_after, created_at, pipeline_id, step, parent_id, blocking_deps, unique_key, concurrency_key, trace_context,
      attempt_log)
    SELECT ${col('name')}, ${col('queue')}, ${col('state')}, ${col('priority')}, ${col('input')},
      ${col('max_attempts')}, ${col('backoff')}, ${col('timeout_ms')},
      COALESCE(${col('run_after')}, ${syntax.now}), ${syntax.now}, ${col('pipeline_id')}, ${col('step')},
      ${col('parent_id')}, ${col('blocking_deps')}, ${col('unique_key')}, ${col('concurrency_key')}, ${col('trace_context')}, '[]'
    FROM ${from}
    WHERE true
    ORDER BY ${col('ord')}
    ${conflict}
    RETURNING ${INSERTED_COLUMNS}`;
  return p.sql(sql);
}
