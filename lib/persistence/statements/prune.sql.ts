import { JOB_TABLE } from '../job.entity.js';
import { DEPENDENCY_TABLE, PIPELINE_TABLE } from '../pipeline.entity.js';
import type { Params, Sql, SqlSyntax } from '../sql.util.js';

/** What retention keeps of the finished jobs in one state: a job goes once it is past either limit. */
export interface PruneRule {
  state: string;
  /** Finished longer ago than this. */
  olderThanMs?: number;
  /** Beyond the newest this many (by `finished_at`, then id). */
  keepLast?: number;
  /**
   * `keepLast` as a boundary (`pruneBoundarySql`, read once per round, not per batch): the jobs
   * before the newest `keepLast`-th. Without it, `keepLast` deletes nothing.
   */
  before?: { finishedAt: unknown; id: string };
}

/**
 * The newest `keepLast`-th plain job of `state` by (finished_at, id): jobs finished in one batch
 * share their finished_at, so the id breaks ties. No row when there are fewer.
 */
export function pruneBoundarySql(syntax: SqlSyntax, state: string, keepLast: number): Sql {
  const p = syntax.params();
  const sql = `SELECT finished_at, id FROM ${JOB_TABLE}
    WHERE state = ${p.add(state)} AND pipeline_id IS NULL AND finished_at IS NOT NULL
    ORDER BY finished_at DESC, id DESC LIMIT 1 OFFSET ${p.add(keepLast - 1)}`;
  return p.sql(sql);
}

/**
 * `pruneBoundarySql` moved on from a known boundary `from` (a job it named) by `skip` jobs of the
 * same kind in (finished_at, id) order: when `skip` jobs finished since `from` was read, this is the
 * newest `keepLast`-th again. Reads `skip` index entries, where `pruneBoundarySql` reads `keepLast`.
 * No row when fewer remain (the caller then reads the boundary afresh).
 */
export function advanceBoundarySql(
  syntax: SqlSyntax,
  state: string,
  from: { finishedAt: unknown; id: string },
  skip: number,
): Sql {
  const p = syntax.params();
  const at = p.add(from.finishedAt);
  const sql = `SELECT finished_at, id FROM ${JOB_TABLE}
    WHERE state = ${p.add(state)} AND pipeline_id IS NULL AND finished_at IS NOT NULL
      AND (finished_at > ${at} OR (finished_at = ${at} AND id >= ${p.add(from.id)}))
    ORDER BY finished_at, id LIMIT 1 OFFSET ${p.add(skip)}`;
  return p.sql(sql);
}

/**
 * How many plain jobs of `state` finished at or after each of `since` (`n0`, `n1`...; the finished
 * index's newest entries only), and the newest `finished_at` of them all.
 */
export function finishedSinceSql(syntax: SqlSyntax, state: string, since: readonly unknown[]): Sql {
  const p = syntax.params();
  const counts = since.map((at, i) => `sum(CASE WHEN finished_at >= ${p.add(at)} THEN 1 ELSE 0 END) AS n${i}`);
  const sql = `SELECT ${[...counts, 'max(finished_at) AS newest'].join(', ')} FROM ${JOB_TABLE}
    WHERE state = ${p.add(state)} AND pipeline_id IS NULL AND finished_at IS NOT NULL${since.length ? ` AND finished_at >= ${p.add(since[0])}` : ''}`;
  return p.sql(sql);
}

/**
 * The condition "plain job of `rule.state` past the rule", its parameters added to `p`. Each limit
 * alone bounds `finished_at` from above, so a scan of the finished index in `finished_at` order
 * stops where the prunable jobs end: the count boundary is written `finished_at <= at AND (...)`,
 * not only as an OR (a batch that found fewer than its limit then read every kept job after it:
 * 335 ms a round over 1,000,000 kept jobs). With both limits the OR cannot bound the scan: the
 * pruner passes them one at a time.
 */
export function prunableJobs(syntax: SqlSyntax, p: Params, rule: PruneRule): string {
  const state = p.add(rule.state);
  const past: string[] = [];
  if (rule.olderThanMs !== undefined) past.push(`finished_at < ${syntax.nowMinus(p.add(rule.olderThanMs))}`);
  if (rule.before) {
    const at = p.add(rule.before.finishedAt);
    const tie = `(finished_at < ${at} OR id < ${p.add(rule.before.id)})`;
    past.push(`(finished_at <= ${at} AND ${tie})`);
  }
  if (past.length === 0) past.push('1 = 0');
  return `state = ${state} AND pipeline_id IS NULL AND finished_at IS NOT NULL AND (${past.join(' OR ')})`;
}

/**
 * Deletes up to `limit` plain jobs (no pipeline) of `rule.state` past the rule, oldest first (the
 * finished index). Pipeline steps are left to `prunePipelinesSql`, which takes a pipeline whole.
 */
export function pruneJobsSql(syntax: SqlSyntax, rule: PruneRule, limit: number): Sql {
  const p = syntax.params();
  const prunable = prunableJobs(syntax, p, rule);
  const row = syntax.rowLocator;
  const oldest = `SELECT ${row} FROM ${JOB_TABLE} WHERE ${prunable} ORDER BY finished_at LIMIT ${p.add(limit)}`;
  // The rule again on the rows themselves: a job retried while this waited for its row lock is read
  // again by PostgreSQL, at its newest version, against these conditions (the row's locator alone
  // would still match it), and stays.
  const sql = `DELETE FROM ${JOB_TABLE} WHERE ${syntax.inSelect(row, oldest)} AND ${prunable} RETURNING id`;
  return p.sql(sql);
}

/**
 * Up to `limit` pipelines every step of which is finished and past the rule of its state (a step in
 * a state without a rule keeps its pipeline), locked until the transaction ends: a pipeline is
 * deleted whole or not at all.
 */
export function selectPrunablePipelines(syntax: SqlSyntax, rules: readonly PruneRule[], limit: number): Sql {
  const p = syntax.params();
  const past = rules
    .filter((r) => r.olderThanMs !== undefined)
    .map((r) => `(s.state = ${p.add(r.state)} AND s.finished_at < ${syntax.nowMinus(p.add(r.olderThanMs))})`);
  if (past.length === 0) return { sql: `SELECT id FROM ${PIPELINE_TABLE} WHERE false`, params: [] };
  const sql = `SELECT pl.id FROM ${PIPELINE_TABLE} pl
    WHERE NOT EXISTS (SELECT 1 FROM ${JOB_TABLE} s WHERE s.pipeline_id = pl.id AND (s.finished_at IS NULL OR NOT (${past.join(' OR ')})))
    ORDER BY pl.id LIMIT ${p.add(limit)}${syntax.forUpdate}`;
  return p.sql(sql);
}

/** How many steps each of these pipelines has. */
export function countSteps(syntax: SqlSyntax, ids: readonly string[]): Sql {
  const p = syntax.params();
  return p.sql(
    `SELECT pipeline_id, COUNT(*) AS n FROM ${JOB_TABLE} WHERE pipeline_id ${p.list(ids, 'bigint')} GROUP BY pipeline_id`,
  );
}

/**
 * The steps of these pipelines as they are now, locked, leaving out those another transaction
 * holds (a retry re-opening them locks them first). Run after `selectPrunablePipelines` locked the
 * pipelines: a pipeline goes only if every one of its steps came back (`countSteps`) finished.
 * Its first read's snapshot may predate a retry that committed since; these rows do not.
 */
export function lockStepsToPrune(syntax: SqlSyntax, ids: readonly string[]): Sql {
  const p = syntax.params();
  const lock = syntax.forUpdate ? `${syntax.forUpdate} SKIP LOCKED` : '';
  return p.sql(`SELECT pipeline_id, finished_at FROM ${JOB_TABLE} WHERE pipeline_id ${p.list(ids, 'bigint')}${lock}`);
}

/** The statements deleting these pipelines with their steps and edges, in this order (the second returns the steps). */
export function deletePipelinesSql(syntax: SqlSyntax, ids: readonly string[]): Sql[] {
  const of = (text: (list: string) => string) => {
    const p = syntax.params();
    return p.sql(text(p.list(ids, 'bigint')));
  };
  return [
    of(
      (list) =>
        `DELETE FROM ${DEPENDENCY_TABLE} WHERE ${syntax.inSelect('job_id', `SELECT id FROM ${JOB_TABLE} WHERE pipeline_id ${list}`)}`,
    ),
    of((list) => `DELETE FROM ${JOB_TABLE} WHERE pipeline_id ${list} RETURNING id`),
    of((list) => `DELETE FROM ${PIPELINE_TABLE} WHERE id ${list}`),
  ];
}
