import { JOB_TABLE } from '../job.entity.js';
import type { Sql, SqlSyntax } from '../sql.util.js';
import { notPaused } from './queue-control.sql.js';

/** A round trip to the database that reads nothing: the health check's ping. */
export const PING_SQL: Sql = { sql: 'SELECT 1 AS ok', params: [] };

/**
 * The oldest `run_after` among due pending jobs of queues that are not paused (a paused queue's
 * jobs wait on purpose), with the database's clock read in the same statement, so their difference
 * is the age on one clock. One row; `oldest` is null when nothing is due.
 *
 * The claim index orders pending jobs by priority first, so `min(run_after)` over them would read
 * every due row (1,000,000 pending: a parallel sequential scan of 95 ms on PostgreSQL). Instead the
 * statement hops from one priority present to the next lower one (`pr`, a few index probes), and
 * takes each priority's first due row in `run_after` order: the oldest is the least of those.
 */
export function selectOldestDue(syntax: SqlSyntax, queues?: readonly string[]): Sql {
  const p = syntax.params();
  const only = queues ? ` AND queue ${p.list(queues, 'text')}` : '';
  const pending = `FROM ${JOB_TABLE} WHERE state = 'pending'`;
  const sql = `WITH RECURSIVE pr (priority) AS (
      SELECT max(priority) ${pending}
      UNION ALL
      SELECT (SELECT max(priority) ${pending} AND priority < pr.priority) FROM pr WHERE pr.priority IS NOT NULL
    )
    SELECT min((SELECT run_after ${pending} AND priority = pr.priority AND run_after <= ${syntax.now}
      AND ${notPaused('')}${only} ORDER BY run_after LIMIT 1)) AS oldest, ${syntax.now} AS now
    FROM pr WHERE pr.priority IS NOT NULL`;
  return p.sql(sql);
}

/** Which of these pipelines have no unfinished step left (found through the pipeline index). */
export function selectEndedPipelines(syntax: SqlSyntax, pipelineIds: readonly string[]): Sql {
  const p = syntax.params();
  const sql = `SELECT pipeline_id FROM ${JOB_TABLE} WHERE pipeline_id ${p.list(pipelineIds, 'bigint')}
    GROUP BY pipeline_id HAVING sum(CASE WHEN state IN ('pending', 'blocked', 'running') THEN 1 ELSE 0 END) = 0`;
  return p.sql(sql);
}
