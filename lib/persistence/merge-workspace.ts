import type { Json } from '../interfaces/job-types.js';
import { parseJson } from './row.mapper.js';
import { selectWorkspaceForUpdate, updateWorkspace } from './statements/dependencies.sql.js';
import { type Dialect, type Executor, run } from './sql.util.js';

/** The top-level keys a step changed in its pipeline's workspace: new values, and keys it deleted. */
export interface WorkspacePatch {
  set: Record<string, Json>;
  unset: string[];
}

/**
 * Applies a step's patch to its pipeline's workspace, in the transaction that completes the step.
 * Top-level keys only, last writer wins per key, a deleted key is removed and a key set to `null`
 * stays `null`: the same on both dialects. (In SQL, PostgreSQL's `||` keeps nulls and SQLite's
 * `json_patch` removes them and merges nested objects, so the merge is done here, under a row lock.)
 */
export async function mergeWorkspace(tx: Executor, dialect: Dialect, pipelineId: string, patch: WorkspacePatch): Promise<void> {
  const [row] = await run<{ workspace: unknown }>(tx, selectWorkspaceForUpdate(dialect, pipelineId));
  if (!row) return;
  const workspace: Record<string, Json> = parseJson(row.workspace, dialect) ?? {};
  for (const key of patch.unset) delete workspace[key];
  Object.assign(workspace, patch.set);
  await run(tx, updateWorkspace(dialect, pipelineId, JSON.stringify(workspace)));
}
