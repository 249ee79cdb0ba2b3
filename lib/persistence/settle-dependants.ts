import { judgeDependants, type EndedEdge } from '../pipeline/dependency.policy.js';
import type { JobsDialect } from './jobs-dialect.js';
import type { Executor } from './sql.util.js';

/**
 * Called, in the same transaction, with jobs that just ended (completed, failed, cancelled, skipped).
 * Each blocked dependant either counts the finished dependencies off (and becomes pending at 0), or
 * ends at once without running, as the pipeline rules decide (`pipeline/dependency.policy.ts`);
 * those endings cascade down the graph. Returns how many dependants became pending.
 * `allCompleted`: every one completed, so no dependant can end without running (one statement).
 */
export async function settleDependants(
  d: JobsDialect,
  tx: Executor,
  endedIds: readonly string[],
  allCompleted = false,
): Promise<number> {
  if (allCompleted) return pendingIn(await d.releaseDependantsOf(tx, endedIds));
  let frontier = [...endedIds];
  let unblocked = 0;
  while (frontier.length > 0) {
    const rows = await d.dependantsOf(tx, frontier);
    if (rows.length === 0) return unblocked;
    const edges: EndedEdge[] = rows.map((r) => ({
      jobId: String(r.job_id),
      dependsOnId: String(r.depends_on_id),
      policy: r.policy,
      depState: r.dep_state,
      depStep: r.dep_step,
    }));
    const toEnd: { id: string; state: string; error: string | null }[] = [];
    const toRelease: { id: string; n: number }[] = [];
    for (const v of judgeDependants(edges)) {
      if ('end' in v) toEnd.push({ id: v.id, state: v.end, error: v.error });
      else toRelease.push({ id: v.id, n: v.release });
    }
    if (toRelease.length) unblocked += pendingIn(await d.releaseBlocked(tx, toRelease));
    const ended = toEnd.length ? await d.endBlocked(tx, toEnd) : [];
    frontier = ended.map((r) => String(r.id));
  }
  return unblocked;
}

function pendingIn(rows: { state: string }[]): number {
  return rows.filter((r) => r.state === 'pending').length;
}
