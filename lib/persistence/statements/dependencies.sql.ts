import { DEPENDENCY_TABLE, PIPELINE_TABLE } from '../pipeline.entity.js';
import { JOB_TABLE } from '../job.entity.js';
import type { Sql, SqlSyntax } from '../sql.util.js';

export interface EdgeRow {
  job_id: string;
  depends_on_id: string;
  policy: string;
  via_id: string | null;
}

export function insertEdges(syntax: SqlSyntax, edges: readonly EdgeRow[]): Sql {
  const p = syntax.params();
  const { from, col } = syntax.rowsSource(p, edges, {
    job_id: 'bigint',
    depends_on_id: 'bigint',
    policy: 'text',
    via_id: 'bigint',
  });
  const sql = `INSERT INTO ${DEPENDENCY_TABLE} (job_id, depends_on_id, policy, via_id)
    SELECT ${col('job_id')}, ${col('depends_on_id')}, ${col('policy')}, ${col('via_id')} FROM ${from}`;
  return p.sql(sql);
}

/** The edges leaving the given jobs, with the state each dependency ended in. */
export function selectDependants(syntax: SqlSyntax, ids: readonly string[]): Sql {
  const p = syntax.params();
  const sql = `SELECT e.job_id, e.depends_on_id, e.policy, d.state AS dep_state, d.step AS dep_step
    FROM ${DEPENDENCY_TABLE} e JOIN ${JOB_TABLE} d ON d.id = e.depends_on_id
    WHERE e.depends_on_id ${p.list(ids, 'bigint')}`;
  return p.sql(sql);
}

/** The edges into `spawnerId`'s dependants, so children it spawned can be wired to them. */
export function selectEdgesFrom(syntax: SqlSyntax, spawnerId: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT job_id, policy FROM ${DEPENDENCY_TABLE} WHERE depends_on_id = ${p.add(spawnerId)}`);
}

/** Adds `n` to blocking counts (children spawned before their spawner completes). */
export function addBlocking(syntax: SqlSyntax, rows: readonly { id: string; n: number }[]): Sql {
  const p = syntax.params();
  const { from, col } = syntax.rowsSource(p, rows, { id: 'bigint', n: 'int' });
  const j = syntax.target.ref;
  const sql = `UPDATE ${syntax.target.table} SET blocking_deps = ${j}blocking_deps + ${col('n')}
    FROM ${from} WHERE ${j}id = ${col('id')} AND ${j}state = 'blocked'`;
  return p.sql(sql);
}

/**
 * Counts `n` finished dependencies off each blocked dependant; one reaching 0 becomes pending.
 * Runs in the transaction that finished the dependencies, so no dependant stays blocked after a crash.
 */
export function releaseBlocked(syntax: SqlSyntax, rows: readonly { id: string; n: number }[]): Sql {
  const p = syntax.params();
  const { from, col } = syntax.rowsSource(p, rows, { id: 'bigint', n: 'int' });
  const j = syntax.target.ref;
  const sql = `UPDATE ${syntax.target.table}
    SET blocking_deps = ${j}blocking_deps - ${col('n')},
      state = CASE WHEN ${j}blocking_deps - ${col('n')} <= 0 THEN 'pending' ELSE ${j}state END,
      run_after = CASE WHEN ${j}blocking_deps - ${col('n')} <= 0 AND ${j}run_after < ${syntax.now} THEN ${syntax.now} ELSE ${j}run_after END
    FROM ${from} WHERE ${j}id = ${col('id')} AND ${j}state = 'blocked'
    RETURNING ${j}id, ${j}state`;
  return p.sql(sql);
}

/**
 * The common case of `releaseBlocked`, in one statement: every job in `ids` completed, so each
 * blocked dependant only counts them off (its edges from `ids`), and becomes pending at 0. Saves the
 * read of the edges and a round trip in the transaction that finishes a batch (bench pipeline-steps).
 */
export function releaseDependantsOf(syntax: SqlSyntax, ids: readonly string[]): Sql {
  const p = syntax.params();
  const j = syntax.target.ref;
  const counts = `(SELECT job_id, COUNT(*) AS n FROM ${DEPENDENCY_TABLE} WHERE depends_on_id ${p.list(ids, 'bigint')} GROUP BY job_id) AS c`;
  const sql = `UPDATE ${syntax.target.table}
    SET blocking_deps = ${j}blocking_deps - c.n,
      state = CASE WHEN ${j}blocking_deps - c.n <= 0 THEN 'pending' ELSE ${j}state END,
      run_after = CASE WHEN ${j}blocking_deps - c.n <= 0 AND ${j}run_after < ${syntax.now} THEN ${syntax.now} ELSE ${j}run_after END
    FROM ${counts} WHERE ${j}id = c.job_id AND ${j}state = 'blocked'
    RETURNING ${j}state`;
  return p.sql(sql);
}

/** Ends blocked dependants without running them (a dependency failed, was skipped or cancelled). */
export function endBlocked(
  syntax: SqlSyntax,
  rows: readonly { id: string; state: string; error: string | null }[],
): Sql {
  const p = syntax.params();
  const { from, col } = syntax.rowsSource(p, rows, { id: 'bigint', state: 'text', error: 'text' });
  const j = syntax.target.ref;
  const sql = `UPDATE ${syntax.target.table}
    SET state = ${col('state')}, error = ${syntax.json(col('error'))},
      finished_at = ${syntax.now}
    FROM ${from} WHERE ${j}id = ${col('id')} AND ${j}state = 'blocked'
    RETURNING ${j}id, ${j}state`;
  return p.sql(sql);
}

/**
 * What a claimed step sees of its dependencies: every finished dependency, with `via_id` telling
 * children spawned by a dependency apart from declared ones.
 */
export function selectDependencyResults(syntax: SqlSyntax, jobIds: readonly string[]): Sql {
  const p = syntax.params();
  const sql = `SELECT e.job_id, e.via_id, d.id, d.step, d.state, d.output, d.error
    FROM ${DEPENDENCY_TABLE} e JOIN ${JOB_TABLE} d ON d.id = e.depends_on_id
    WHERE e.job_id ${p.list(jobIds, 'bigint')}
    ORDER BY e.job_id, d.id`;
  return p.sql(sql);
}

export function insertPipeline(syntax: SqlSyntax, name: string | null, workspace: string): Sql {
  const p = syntax.params();
  const ws = syntax.json(p.add(workspace));
  return p.sql(
    `INSERT INTO ${PIPELINE_TABLE} (name, workspace, created_at) VALUES (${p.add(name)}, ${ws}, ${syntax.now}) RETURNING id, name, workspace, created_at`,
  );
}

export function selectWorkspaces(syntax: SqlSyntax, pipelineIds: readonly string[]): Sql {
  const p = syntax.params();
  return p.sql(`SELECT id, workspace FROM ${PIPELINE_TABLE} WHERE id ${p.list(pipelineIds, 'bigint')}`);
}

/** A pipeline's workspace, locked until the transaction ends, so concurrent steps merge one after another. */
export function selectWorkspaceForUpdate(syntax: SqlSyntax, pipelineId: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT workspace FROM ${PIPELINE_TABLE} WHERE id = ${p.add(pipelineId)}${syntax.forUpdate}`);
}

export function updateWorkspace(syntax: SqlSyntax, pipelineId: string, workspace: string): Sql {
  const p = syntax.params();
  const ws = syntax.json(p.add(workspace));
  return p.sql(`UPDATE ${PIPELINE_TABLE} SET workspace = ${ws} WHERE id = ${p.add(pipelineId)}`);
}

/** Which of `steps` are already the keys of steps of the pipeline (children spawned at run time included). */
export function selectTakenSteps(syntax: SqlSyntax, pipelineId: string, steps: readonly string[]): Sql {
  const p = syntax.params();
  return p.sql(
    `SELECT DISTINCT step FROM ${JOB_TABLE} WHERE pipeline_id = ${p.add(pipelineId)} AND step ${p.list(steps, 'text')}`,
  );
}

/** Locks a pipeline's row until the transaction ends. */
export function lockPipeline(syntax: SqlSyntax, pipelineId: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT id FROM ${PIPELINE_TABLE} WHERE id = ${p.add(pipelineId)}${syntax.forUpdate}`);
}
