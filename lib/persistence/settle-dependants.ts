import { DependencyPolicy, JobState } from '../interfaces/job-state.js';
import { endBlocked, releaseBlocked, releaseDependantsOf, selectDependants } from './statements/dependencies.sql.js';
import { type Dialect, type Executor, run } from './sql.util.js';

interface EdgeState {
  job_id: unknown;
  depends_on_id: unknown;
  policy: string;
  dep_state: string;
  dep_step: string | null;
}

/** How a dependant ends when a dependency did not complete; worse outcomes win. */
const SEVERITY: Record<string, number> = { skipped: 1, cancelled: 2, failed: 3 };

function verdict(edge: EdgeState): string | null {
  if (edge.dep_state === JobState.Completed || edge.policy === DependencyPolicy.Run) return null;
  if (edge.policy === DependencyPolicy.Skip) return JobState.Skipped;
  return edge.dep_state === JobState.Failed ? JobState.Failed : edge.dep_state;
}

/**
 * Called, in the same transaction, with jobs that just ended (completed, failed, cancelled, skipped).
 * Each blocked dependant either counts the finished dependency off (and becomes pending at 0), or ends
 * at once without running when a dependency did not complete and its policy is not `run`; those
 * endings cascade down the graph. Returns how many dependants became pending.
 */
export async function settleDependants(tx: Executor, dialect: Dialect, endedIds: readonly string[], allCompleted = false): Promise<number> {
  // Every one completed: no dependant can end without running, each only counts them off.
  if (allCompleted) return pendingIn(await run<{ state: string }>(tx, releaseDependantsOf(dialect, endedIds)));
  let frontier = [...endedIds];
  let unblocked = 0;
  while (frontier.length > 0) {
    const edges = await run<EdgeState>(tx, selectDependants(dialect, frontier));
    if (edges.length === 0) return unblocked;
    const byJob = new Map<string, { n: number; end: string | null; cause: EdgeState | null }>();
    for (const edge of edges) {
      const id = String(edge.job_id);
      const entry = byJob.get(id) ?? { n: 0, end: null, cause: null };
      entry.n += 1;
      const v = verdict(edge);
      if (v && (!entry.end || SEVERITY[v]! > SEVERITY[entry.end]!)) {
        entry.end = v;
        entry.cause = edge;
      }
      byJob.set(id, entry);
    }
    const toEnd: { id: string; state: string; error: string | null }[] = [];
    const toRelease: { id: string; n: number }[] = [];
    for (const [id, e] of byJob) {
      if (e.end && e.cause) {
        const message = `dependency '${e.cause.dep_step ?? e.cause.depends_on_id}' (job ${e.cause.depends_on_id}) ended ${e.cause.dep_state}; policy '${e.cause.policy}' makes this step ${e.end}`;
        toEnd.push({ id, state: e.end, error: JSON.stringify({ name: 'DependencyFailedError', message }) });
      } else {
        toRelease.push({ id, n: e.n });
      }
    }
    if (toRelease.length) unblocked += pendingIn(await run<{ state: string }>(tx, releaseBlocked(dialect, toRelease)));
    const ended = toEnd.length ? await run<{ id: unknown }>(tx, endBlocked(dialect, toEnd)) : [];
    frontier = ended.map((r) => String(r.id));
  }
  return unblocked;
}

function pendingIn(rows: { state: string }[]): number {
  return rows.filter((r) => r.state === JobState.Pending).length;
}
