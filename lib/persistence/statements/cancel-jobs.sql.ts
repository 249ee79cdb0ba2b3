import { JOB_TABLE } from '../job.entity.js';
import type { Sql, SqlSyntax } from '../sql.util.js';

const NOT_STARTED = `state IN ('pending', 'blocked')`;

/**
 * What cancelling does to a row: one that has not started (pending or blocked) ends `cancelled` at
 * once; a running one gets `cancel_requested`, its consumer sees it at the next heartbeat, aborts the
 * handler's signal and ends it `cancelled`.
 */
function cancelSet(syntax: SqlSyntax): string {
  return `cancel_requested = CASE WHEN state = 'running' THEN true ELSE cancel_requested END,
      finished_at = CASE WHEN ${NOT_STARTED} THEN ${syntax.now} ELSE finished_at END,
      state = CASE WHEN ${NOT_STARTED} THEN 'cancelled' ELSE state END`;
}

/** Cancels these jobs (see `cancelSet`). Finished jobs are left alone. */
export function cancelJobs(syntax: SqlSyntax, ids: readonly string[]): Sql {
  const p = syntax.params();
  const sql = `
    UPDATE ${JOB_TABLE}
    SET ${cancelSet(syntax)}
    WHERE id ${p.list(ids, 'bigint')} AND state IN ('pending', 'blocked', 'running')
    RETURNING id, pipeline_id, state`;
  return p.sql(sql);
}

/**
 * Cancels a pipeline's unfinished steps, whatever the caller last read of it (see `cancelSet`). A
 * running step already asked is not returned again, so the caller can repeat this until it returns
 * nothing, which also catches children that a step spawned while the cancel was on its way.
 */
export function cancelPipelineSteps(syntax: SqlSyntax, pipelineId: string): Sql {
  const p = syntax.params();
  const sql = `
    UPDATE ${JOB_TABLE}
    SET ${cancelSet(syntax)}
    WHERE pipeline_id = ${p.add(pipelineId)}
      AND (${NOT_STARTED} OR (state = 'running' AND cancel_requested = false))
    RETURNING id, pipeline_id, state`;
  return p.sql(sql);
}
