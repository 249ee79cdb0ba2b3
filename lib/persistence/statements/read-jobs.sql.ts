import { JOB_TABLE } from '../job.entity.js';
import { DEPENDENCY_TABLE, PIPELINE_TABLE } from '../pipeline.entity.js';
import type { Sql, SqlSyntax } from '../sql.util.js';
import type { JobFilter } from '../store.types.js';

export function selectJobs(syntax: SqlSyntax, ids: readonly string[]): Sql {
  const p = syntax.params();
  return p.sql(`SELECT * FROM ${JOB_TABLE} WHERE id ${p.list(ids, 'bigint')}`);
}

/** Jobs by name, state and queue (each optional), in id order, at most `limit`: what tests look for. */
export function selectJobsWhere(syntax: SqlSyntax, filter: JobFilter): Sql {
  const p = syntax.params();
  const where = ['1 = 1'];
  if (filter.name !== undefined) where.push(`name = ${p.add(filter.name)}`);
  if (filter.queue !== undefined) where.push(`queue = ${p.add(filter.queue)}`);
  if (filter.states !== undefined) where.push(`state ${p.list(filter.states, 'text')}`);
  return p.sql(`SELECT * FROM ${JOB_TABLE} WHERE ${where.join(' AND ')} ORDER BY id LIMIT ${p.add(filter.limit)}`);
}

export function selectPipeline(syntax: SqlSyntax, id: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT * FROM ${PIPELINE_TABLE} WHERE id = ${p.add(id)}`);
}

export function selectPipelineJobs(syntax: SqlSyntax, pipelineId: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT * FROM ${JOB_TABLE} WHERE pipeline_id = ${p.add(pipelineId)} ORDER BY id`);
}

/** The edges of a pipeline, to tell tolerated failures from fatal ones (and plan retries). */
export function selectPipelineEdges(syntax: SqlSyntax, pipelineId: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT e.job_id, e.depends_on_id, e.policy FROM ${DEPENDENCY_TABLE} e
      JOIN ${JOB_TABLE} j ON j.id = e.job_id WHERE j.pipeline_id = ${p.add(pipelineId)}`);
}

/**
 * Unfinished jobs per queue and state (django-db-queue's queue depths); pending jobs split by
 * whether they are due (`scheduled` 0) or wait for a `run_after` ahead (`scheduled` 1, django-db-queue's
 * `--exclude_future_jobs`). `queues`: only these. `oldest`: the group's earliest `run_after` and
 * `now` the database clock, so that the age of the oldest due job is measured on one clock.
 */
export function selectQueueDepths(syntax: SqlSyntax, queues?: readonly string[]): Sql {
  const p = syntax.params();
  const only = queues ? ` AND queue ${p.list(queues, 'text')}` : '';
  const scheduled = `CASE WHEN state = 'pending' AND run_after > ${syntax.now} THEN 1 ELSE 0 END`;
  const sql = `SELECT queue, state, ${scheduled} AS scheduled, count(*) AS n, min(run_after) AS oldest,
      ${syntax.now} AS now FROM ${JOB_TABLE}
      WHERE state IN ('pending', 'blocked', 'running')${only} GROUP BY queue, state, ${scheduled}`;
  return p.sql(sql);
}

/** What `countJobs` counts: jobs in `states`, optionally finished over `finishedOverMs` ago, of a name and/or queue, that ran. */
export interface JobCount {
  states: readonly string[];
  finishedOverMs?: number;
  name?: string;
  queue?: string;
  /** Only jobs with `attempts > 0` (what a bulk retry takes). */
  ran?: boolean;
}

/** How many jobs match (the total a bulk retry or purge shows its progress against). */
export function countJobs(syntax: SqlSyntax, c: JobCount): Sql {
  const p = syntax.params();
  let where = `state ${p.list(c.states, 'text')}`;
  if (c.finishedOverMs !== undefined) where += ` AND finished_at < ${syntax.nowMinus(p.add(c.finishedOverMs))}`;
  if (c.name !== undefined) where += ` AND name = ${p.add(c.name)}`;
  if (c.queue !== undefined) where += ` AND queue = ${p.add(c.queue)}`;
  if (c.ran) where += ' AND attempts > 0';
  return p.sql(`SELECT count(*) AS n FROM ${JOB_TABLE} WHERE ${where}`);
}

/** Progress note of a running job, written at once (not fenced: it is informational). */
export function updateProgress(syntax: SqlSyntax, id: string, progress: string): Sql {
  const p = syntax.params();
  const value = syntax.json(p.add(progress));
  return p.sql(`UPDATE ${JOB_TABLE} SET progress = ${value} WHERE id = ${p.add(id)} AND state = 'running'`);
}

/**
 * Deletes finished jobs older than `olderThanMs` (by `finished_at`) in the given states. Jobs of a
 * pipeline go only when the whole pipeline is finished, with its edges and its row.
 */
export function purgeFinished(syntax: SqlSyntax, states: readonly string[], olderThanMs: number): Sql {
  const p = syntax.params();
  const cutoff = syntax.nowMinus(p.add(olderThanMs));
  const sql = `DELETE FROM ${JOB_TABLE}
    WHERE state ${p.list(states, 'text')} AND finished_at < ${cutoff} AND pipeline_id IS NULL
    RETURNING id`;
  return p.sql(sql);
}

/** The unfinished jobs holding these unique keys. */
export function selectByUniqueKeys(syntax: SqlSyntax, keys: readonly string[]): Sql {
  const p = syntax.params();
  const sql = `SELECT * FROM ${JOB_TABLE}
    WHERE unique_key ${p.list(keys, 'text')} AND state IN ('pending', 'blocked', 'running')`;
  return p.sql(sql);
}
