import type { Json } from '../interfaces/job-types.js';
import { parseJson } from './row.mapper.js';
import { selectWorkspaceForUpdate, updateWorkspace } from './statements/dependencies.sql.js';
import { type Dialect, type Executor, run } from './sql.util.js';

/** The top-level keys a step changed in its pipeline's workspace: new values, and keys it deleted. */
export interface WorkspacePatch {
  set: Record<string, Json>;
  unset: string[];
}

/** What a merge wrote: the workspace's size in bytes of JSON, and whether that is over the limit. */
export interface MergedWorkspace {
  bytes: number;
  overLimit: boolean;
}

/** `workspace` with `patch` applied (a new object): top-level keys only, deleted keys removed, `null` kept. */
export function applyWorkspacePatch(workspace: Record<string, Json>, patch: WorkspacePatch): Record<string, Json> {
  const merged: Record<string, Json> = { ...workspace };
  for (const key of patch.unset) delete merged[key];
  return Object.assign(merged, patch.set);
}

/**
 * Applies a step's patch to its pipeline's workspace, in the transaction that completes the step.
 * Top-level keys only, last writer wins per key, a deleted key is removed and a key set to `null`
 * stays `null`: the same on both dialects. (In SQL, PostgreSQL's `||` keeps nulls and SQLite's
 * `json_patch` removes them and merges nested objects, so the merge is done here, under a row lock.)
 *
 * The merged size is checked against `maxBytes` but never refused here: the step already completed
 * in this transaction, which also holds other jobs' results, and a throw would roll them all back
 * (and the batch would be retried forever). The runner checks the workspace the step read plus its
 * patch before the step completes (PayloadTooLargeError fails that attempt), so the merge can only
 * end over the limit when steps running side by side each added keys; the result says so, the
 * caller warns, and the next step that changes the workspace and leaves it over the limit fails.
 */
export async function mergeWorkspace(
  tx: Executor,
  dialect: Dialect,
  pipelineId: string,
  patch: WorkspacePatch,
  maxBytes: number,
): Promise<MergedWorkspace | null> {
  const [row] = await run<{ workspace: unknown }>(tx, selectWorkspaceForUpdate(dialect, pipelineId));
  if (!row) return null;
  const workspace = applyWorkspacePatch(parseJson(row.workspace, dialect) ?? {}, patch);
  const text = JSON.stringify(workspace);
  await run(tx, updateWorkspace(dialect, pipelineId, text));
  const bytes = Buffer.byteLength(text);
  return { bytes, overLimit: bytes > maxBytes };
}
