import { JobState } from '../../interfaces/job-state.js';
import { JOB_TABLE } from '../job.entity.js';
import type { Sql, SqlSyntax } from '../sql.util.js';

/**
 * Reading the queue for an operator (`JobsInspector`: the admin API, the CLI): pages of jobs,
 * counts per queue, outcomes per minute. Reads only; none of it is on a consumer's path.
 */

/** One page of jobs, newest first, after a keyset cursor (`beforeId`: ids below it). */
export interface JobPageFilter {
  state?: JobState;
  name?: string;
  queue?: string;
  /** Created at or after (epoch ms). */
  createdAfterMs?: number;
  /** Created before (epoch ms). */
  createdBeforeMs?: number;
  beforeId?: string;
  limit: number;
}

/** What a list shows of a job: no input or output, and the error whole (the caller keeps its message). */
export const SUMMARY_COLUMNS =
  'id, name, queue, state, priority, attempts, max_attempts, created_at, run_after, started_at, finished_at, pipeline_id, error';

const STATES: readonly string[] = Object.values(JobState);

/**
 * Newest first by id, so a page is a walk down the primary key from the cursor that stops at
 * `limit`: the same cost on page 1 and page 10,000, and rows inserted meanwhile never shift a later
 * page (keyset, not OFFSET). The state is written as a literal, checked against `JobState` here:
 * the planners pick a partial index only when they can see its predicate holds (PostgreSQL's
 * generic plans and SQLite's prepared statements cannot see inside a parameter), and the failed
 * list must take `queue_job_ended_badly_idx` (see `JOB_INDEXES`).
 */
export function selectJobPage(syntax: SqlSyntax, f: JobPageFilter): Sql {
  const p = syntax.params();
  const where: string[] = [];
  if (f.state !== undefined) {
    if (!STATES.includes(f.state)) throw new Error(`Not a job state: ${String(f.state)}`);
    where.push(`state = '${f.state}'`);
  }
  if (f.name !== undefined) where.push(`name = ${p.add(f.name)}`);
  if (f.queue !== undefined) where.push(`queue = ${p.add(f.queue)}`);
  if (f.createdAfterMs !== undefined) where.push(`created_at >= ${syntax.fromEpochMs(p.add(f.createdAfterMs))}`);
  if (f.createdBeforeMs !== undefined) where.push(`created_at < ${syntax.fromEpochMs(p.add(f.createdBeforeMs))}`);
  if (f.beforeId !== undefined) where.push(`id < ${p.add(f.beforeId)}`);
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return p.sql(`SELECT ${SUMMARY_COLUMNS} FROM ${JOB_TABLE} ${filter} ORDER BY id DESC LIMIT ${p.add(f.limit)}`);
}

/** Failed jobs per queue (from the partial index of failed and cancelled rows where there is one). */
export function selectFailedPerQueue(): Sql {
  return { sql: `SELECT queue, count(*) AS n FROM ${JOB_TABLE} WHERE state = 'failed' GROUP BY queue`, params: [] };
}

/** Jobs that completed or failed in the last `windowMs`, per queue and state (the finished_at index). */
export function selectFinishedPerQueue(syntax: SqlSyntax, windowMs: number): Sql {
  const p = syntax.params();
  const sql = `SELECT queue, state, count(*) AS n FROM ${JOB_TABLE}
    WHERE finished_at >= ${syntax.nowMinus(p.add(windowMs))} AND state IN ('completed', 'failed')
    GROUP BY queue, state`;
  return p.sql(sql);
}

/** Jobs that completed or failed in the last `windowMs`, per minute since the epoch and state. */
export function selectFinishedPerMinute(syntax: SqlSyntax, windowMs: number): Sql {
  const p = syntax.params();
  const minute = syntax.epochMinute('finished_at');
  const sql = `SELECT ${minute} AS minute, state, count(*) AS n FROM ${JOB_TABLE}
    WHERE finished_at >= ${syntax.nowMinus(p.add(windowMs))} AND state IN ('completed', 'failed')
    GROUP BY ${minute}, state`;
  return p.sql(sql);
}

/** The database clock's minute since the epoch (the last bucket of a throughput chart). */
export function selectClockMinute(syntax: SqlSyntax): Sql {
  return { sql: `SELECT ${syntax.epochMinute(syntax.now)} AS minute`, params: [] };
}
