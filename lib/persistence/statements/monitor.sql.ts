import { JOB_TABLE } from '../job.entity.js';
import type { Sql, SqlSyntax } from '../sql.util.js';
import { notPaused } from './queue-control.sql.js';

/** A round trip to the database that reads nothing: the health check's ping. */
export const PING_SQL: Sql = { sql: 'SELECT 1 AS ok', params: [] };

/**
 * The oldest `run_after` among due pending jobs of queues that are not paused (a paused queue's
 * jobs wait on purpose), with the database's clock read in the same statement, so their difference
 * is the age on one clock. One row; `oldest` is null when nothing is due. It reads every due
 * pending row (the claim index orders them by priority first), which a health probe every few
 * seconds can afford and the claim path never pays.
 */
export function selectOldestDue(syntax: SqlSyntax, queues?: readonly string[]): Sql {
  const p = syntax.params();
  const only = queues ? ` AND queue ${p.list(queues, 'text')}` : '';
  const sql = `SELECT min(run_after) AS oldest, ${syntax.now} AS now FROM ${JOB_TABLE}
    WHERE state = 'pending' AND run_after <= ${syntax.now} AND ${notPaused('')}${only}`;
  return p.sql(sql);
}

/** Which of these pipelines have no unfinished step left (found through the pipeline index). */
export function selectEndedPipelines(syntax: SqlSyntax, pipelineIds: readonly string[]): Sql {
  const p = syntax.params();
  const sql = `SELECT pipeline_id FROM ${JOB_TABLE} WHERE pipeline_id ${p.list(pipelineIds, 'bigint')}
    GROUP BY pipeline_id HAVING sum(CASE WHEN state IN ('pending', 'blocked', 'running') THEN 1 ELSE 0 END) = 0`;
  return p.sql(sql);
}
