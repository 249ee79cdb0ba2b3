import { JOB_TABLE } from '../job.entity.js';
import { type Dialect, type Sql, Params, keyedRows, now, nowPlus } from '../sql.util.js';

/**
 * Renews this consumer's leases on its running jobs. A job missing from the result was lost
 * (rescued by another consumer, or finished by a cancel): its handler must be aborted.
 * `cancel_requested` tells the consumer to abort a handler because someone cancelled the job.
 */
export function renewLeases(
  dialect: Dialect,
  consumerId: string,
  leaseMs: number,
  jobs: readonly { id: string; attempt: number }[],
): Sql {
  const p = new Params(dialect);
  const owner = p.add(consumerId);
  const until = nowPlus(dialect, p.add(leaseMs));
  const pg = dialect === 'postgresql';
  const j = pg ? 'j.' : `${JOB_TABLE}.`;
  const { from, match, col } = keyedRows(dialect, p, jobs, { attempt: 'int' }, j.slice(0, -1));
  const sql = `
    UPDATE ${JOB_TABLE} ${pg ? 'j' : ''} SET lease_until = ${until}
    ${from}
    WHERE ${match} AND ${j}attempts = ${col('attempt')} AND ${j}locked_by = ${owner}
      AND ${j}state = 'running'
    RETURNING ${j}id, ${j}cancel_requested`;
  return p.sql(sql);
}

/**
 * Rescues running jobs whose lease lapsed (their consumer died or froze): the lost attempt goes into
 * the job's history, and the job is due again at once if attempts remain, else it fails.
 * Any consumer runs this; PostgreSQL skips rows another rescuer holds.
 */
export function rescueExpired(dialect: Dialect, limit: number): Sql {
  const p = new Params(dialect);
  const pg = dialect === 'postgresql';
  const j = pg ? 'j.' : '';
  const ends = `(${j}cancel_requested OR ${j}attempts >= ${j}max_attempts)`;
  const message = pg
    ? `'consumer ' || COALESCE(${j}locked_by, '?') || ' stopped renewing its lease (it crashed, froze or lost the database); attempt ' || ${j}attempts || ' was lost'`
    : `'consumer ' || COALESCE(locked_by, '?') || ' stopped renewing its lease (it crashed, froze or lost the database); attempt ' || attempts || ' was lost'`;
  const error = pg
    ? `jsonb_build_object('name', 'LeaseExpiredError', 'message', ${message})`
    : `json_object('name', 'LeaseExpiredError', 'message', ${message})`;
  const entry = pg
    ? `jsonb_build_object('attempt', ${j}attempts, 'outcome', 'lost', 'consumer', ${j}locked_by, 'at', now(), 'error', ${error})`
    : `json_object('attempt', attempts, 'outcome', 'lost', 'consumer', locked_by, 'at', ${now(dialect)}, 'error', json(${error}))`;
  const set = `
    state = CASE WHEN ${j}cancel_requested THEN 'cancelled' WHEN ${j}attempts >= ${j}max_attempts THEN 'failed' ELSE 'pending' END,
    finished_at = CASE WHEN ${ends} THEN ${now(dialect)} ELSE NULL END,
    run_after = ${now(dialect)},
    error = ${error},
    attempt_log = ${pg ? `${j}attempt_log || jsonb_build_array(${entry})` : `json_insert(attempt_log, '$[#]', json(${entry}))`},
    locked_by = NULL, lease_until = NULL`;
  if (pg) {
    const sql = `WITH lost AS (
        SELECT id FROM ${JOB_TABLE} WHERE state = 'running' AND lease_until < now()
        ORDER BY lease_until LIMIT ${p.add(limit)} FOR UPDATE SKIP LOCKED)
      UPDATE ${JOB_TABLE} j SET ${set} FROM lost WHERE j.id = lost.id
      RETURNING j.id, j.pipeline_id, j.state, j.name`;
    return p.sql(sql);
  }
  const sql = `UPDATE ${JOB_TABLE} SET ${set}
    WHERE id IN (SELECT id FROM ${JOB_TABLE} WHERE state = 'running' AND lease_until < ${now(dialect)}
      ORDER BY lease_until LIMIT ${p.add(limit)})
    RETURNING id, pipeline_id, state, name`;
  return p.sql(sql);
}
