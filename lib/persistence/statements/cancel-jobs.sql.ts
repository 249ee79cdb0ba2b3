import { JOB_TABLE } from '../job.entity.js';
import { type Dialect, type Sql, Params, now } from '../sql.util.js';

/**
 * Cancels jobs: one that has not started (pending or blocked) ends `cancelled` at once; a running
 * one gets `cancel_requested`, its consumer sees it at the next heartbeat, aborts the handler's
 * signal and ends it `cancelled`. Finished jobs are left alone.
 */
export function cancelJobs(dialect: Dialect, ids: readonly string[]): Sql {
  const p = new Params(dialect);
  const notStarted = `state IN ('pending', 'blocked')`;
  const sql = `
    UPDATE ${JOB_TABLE}
    SET cancel_requested = CASE WHEN state = 'running' THEN true ELSE cancel_requested END,
      finished_at = CASE WHEN ${notStarted} THEN ${now(dialect)} ELSE finished_at END,
      state = CASE WHEN ${notStarted} THEN 'cancelled' ELSE state END
    WHERE id ${p.list(ids, 'bigint')} AND state IN ('pending', 'blocked', 'running')
    RETURNING id, pipeline_id, state`;
  return p.sql(sql);
}
