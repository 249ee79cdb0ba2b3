import { JOB_TABLE } from '../job.entity.js';
import type { Sql, SqlSyntax } from '../sql.util.js';
import type { ReopenedRow } from '../store.types.js';

/**
 * Acting on jobs by hand (`JobQueue.retry`, `discard`): each write is conditional on the state the
 * caller read, so a job that moved on meanwhile is left alone and missing from what is returned.
 */

/**
 * Sets finished jobs going again: pending (or blocked on `blocking` dependencies), attempts reset,
 * output, error and times cleared, due now; the `log` entry is appended to `attempt_log`, which
 * keeps the job's history. Only rows still in the state `from`.
 */
export function reopenJobs(syntax: SqlSyntax, rows: readonly ReopenedRow[]): Sql {
  const p = syntax.params();
  const j = syntax.target.ref;
  const { from, match, col } = syntax.keyedRows(p, rows, { from: 'text', state: 'text', blocking: 'int', log: 'json' });
  const sql = `
    UPDATE ${syntax.target.table}
    SET state = ${col('state')}, blocking_deps = ${col('blocking')}, attempts = 0,
      output = NULL, error = NULL, progress = NULL, started_at = NULL, finished_at = NULL,
      run_after = ${syntax.now}, cancel_requested = false, locked_by = NULL, lease_until = NULL,
      attempt_log = ${syntax.appendLog(`${j}attempt_log`, col('log'))}
    ${from}
    WHERE ${match} AND ${j}state = ${col('from')}
    RETURNING ${j}id, ${j}pipeline_id, ${j}state`;
  return p.sql(sql);
}

/** Ends a job that has not started (pending or blocked) as `cancelled`, with `error` (JSON) saying why. */
export function discardJob(syntax: SqlSyntax, id: string, error: string): Sql {
  const p = syntax.params();
  const sql = `UPDATE ${JOB_TABLE} SET state = 'cancelled', finished_at = ${syntax.now}, error = ${syntax.json(p.add(error))}
    WHERE id = ${p.add(id)} AND state IN ('pending', 'blocked')
    RETURNING id, pipeline_id, state`;
  return p.sql(sql);
}

/**
 * Failed jobs that ran (steps that ended because of a dependency are re-opened with the one they
 * depend on, not on their own), of a name and/or queue, by id after `afterId`, at most `limit`.
 */
export function selectFailedJobs(
  syntax: SqlSyntax,
  f: { name?: string; queue?: string; afterId: string; limit: number },
): Sql {
  const p = syntax.params();
  let where = `state = 'failed' AND attempts > 0 AND id > ${p.add(f.afterId)}`;
  if (f.name !== undefined) where += ` AND name = ${p.add(f.name)}`;
  if (f.queue !== undefined) where += ` AND queue = ${p.add(f.queue)}`;
  return p.sql(`SELECT id, pipeline_id FROM ${JOB_TABLE} WHERE ${where} ORDER BY id LIMIT ${p.add(f.limit)}`);
}

/** A pipeline's steps (what a retry plan reads), locked until the transaction ends. */
export function selectPipelineStepsForUpdate(syntax: SqlSyntax, pipelineId: string): Sql {
  const p = syntax.params();
  return p.sql(
    `SELECT id, state, attempts, error FROM ${JOB_TABLE} WHERE pipeline_id = ${p.add(pipelineId)} ORDER BY id${syntax.forUpdate}`,
  );
}
