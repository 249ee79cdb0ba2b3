import type { Json } from '../interfaces/job-types.js';
import type { JobsDialect } from './jobs-dialect.js';
import type { Executor } from './sql.util.js';
import type { WorkspacePatch } from './store.types.js';

export type { WorkspacePatch } from './store.types.js';

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
 * stays `null`: the same on every database. (In SQL, PostgreSQL's `||` keeps nulls and SQLite's
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
  d: JobsDialect,
  tx: Executor,
  pipelineId: string,
  patch: WorkspacePatch,
  maxBytes: number,
): Promise<MergedWorkspace | null> {
  const row = await d.workspaceForUpdate(tx, pipelineId);
  if (!row) return null;
  const workspace = applyWorkspacePatch(d.parseJson(row.workspace) ?? {}, patch);
  const text = JSON.stringify(workspace);
  await d.updateWorkspace(tx, pipelineId, text);
  const bytes = Buffer.byteLength(text);
  return { bytes, overLimit: bytes > maxBytes };
}
