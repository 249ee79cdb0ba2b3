import type { JobRow } from '../../jobs-dialect.js';
import { run, type Executor } from '../../sql.util.js';
import type { EndedRow, ReopenedRow } from '../../store.types.js';
import * as statements from './mariadb.control-statements.js';
import { setEndedBlocked } from './mariadb.statements.js';

/**
 * `MariadbDialect`'s retry, discard and dedup writes (see their contracts on `JobsDialect`). No
 * `UPDATE ... RETURNING`: each locks its rows with a SELECT ... FOR UPDATE in the caller's
 * transaction, decides from what it read, then updates exactly those ids.
 */

/** What `replaceWaiting` writes to the waiting job of a key. */
export interface Replacement {
  key: string;
  input: string;
  run_after_ms: number | null;
  delay_ms: number | null;
}

/** Locks the rows, then writes those still in their `from` state. */
export async function reopen(tx: Executor, rows: readonly ReopenedRow[]): Promise<EndedRow[]> {
  if (rows.length === 0) return [];
  const read = await run<EndedRow>(tx, statements.lockJobs(rows.map((r) => r.id)));
  const locked = new Map(read.map((r) => [String(r.id), r]));
  const seen = new Set<string>();
  const writing = rows.filter((r) => locked.get(r.id)?.state === r.from && !seen.has(r.id) && seen.add(r.id));
  if (writing.length === 0) return [];
  await run(tx, statements.setReopened(writing));
  return writing.map((r) => ({ id: r.id, pipeline_id: locked.get(r.id)!.pipeline_id, state: r.state }));
}

/** Locks the job if it is pending or blocked, then ends it cancelled with `error`. */
export async function discard(tx: Executor, id: string, error: string): Promise<EndedRow[]> {
  const rows = await run<EndedRow>(tx, statements.lockNotStarted(id));
  if (rows.length === 0) return [];
  await run(tx, setEndedBlocked([{ id, state: 'cancelled', error }]));
  return rows.map((r) => ({ id: r.id, pipeline_id: r.pipeline_id, state: 'cancelled' }));
}

export function recentByUniqueKeys(ex: Executor, keys: readonly { key: string; for_ms: number }[]): Promise<JobRow[]> {
  return keys.length ? run<JobRow>(ex, statements.selectRecentByUniqueKeys(keys)) : Promise.resolve([]);
}

/** Locks the waiting holders of the keys (in the insert's transaction), then updates them. */
export async function replaceWaiting(ex: Executor, rows: readonly Replacement[]): Promise<{ id: unknown }[]> {
  if (rows.length === 0) return [];
  const locked = await run<{ id: unknown; unique_key: string }>(ex, statements.lockWaiting(rows.map((r) => r.key)));
  if (locked.length === 0) return [];
  const byKey = new Map(rows.map((r) => [r.key, r]));
  await run(ex, statements.setReplaced(locked.map((l) => ({ ...byKey.get(l.unique_key)!, id: String(l.id) }))));
  return locked.map((l) => ({ id: l.id }));
}
