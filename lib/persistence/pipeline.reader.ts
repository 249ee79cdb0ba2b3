import type { Kysely } from 'kysely';
import type { JobsDialect } from './jobs-dialect.js';
import { mapDependencyRow, mapJobRow, toDate } from './row.mapper.js';

/** A pipeline, its steps (in creation order) and its edges; undefined for an unknown id. */
export async function readPipeline(d: JobsDialect, db: Kysely<any>, id: string) {
  const row = await d.pipeline(db, id);
  if (!row) return undefined;
  const jobs = (await d.pipelineJobs(db, id)).map((r) => mapJobRow(r, d));
  const edges = (await d.pipelineEdges(db, id)).map((e) => ({
    dependsOnId: String(e.depends_on_id),
    policy: e.policy,
  }));
  return {
    id: String(row.id),
    name: (row.name as string | null) ?? null,
    createdAt: toDate(row.created_at)!,
    workspace: d.parseJson(row.workspace) ?? {},
    jobs,
    edges,
  };
}

/** The finished dependencies of these pipeline steps (parsed) and the workspaces of their pipelines. */
export async function readStepInputs(
  d: JobsDialect,
  db: Kysely<any>,
  jobIds: readonly string[],
  pipelineIds: readonly string[],
) {
  const [rows, workspaces] = await Promise.all([d.dependencyResults(db, jobIds), d.workspaces(db, pipelineIds)]);
  const dependencies = rows.map((r) => mapDependencyRow(r, d));
  return {
    dependencies,
    workspaces: new Map(workspaces.map((w) => [String(w.id), d.parseJson(w.workspace) ?? {}])),
  };
}
