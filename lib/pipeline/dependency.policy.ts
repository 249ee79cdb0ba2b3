import type { JobRecord } from '../interfaces/job-record.js';
import { DependencyPolicy, JobState, PipelineState, TERMINAL_JOB_STATES } from '../interfaces/job-state.js';

/**
 * The pipeline rules, in one place: when a blocked step is released, skipped or failed by its
 * dependencies, and what state a pipeline is in. Persistence runs them inside its transactions
 * (`settle-dependants.ts`); the SQL there only reads edges and writes what these functions decide.
 */

/** An edge out of a dependency that just ended, with the state it ended in. */
export interface EndedEdge {
  /** The dependant (blocked step). */
  jobId: string;
  dependsOnId: string;
  policy: string;
  depState: string;
  depStep: string | null;
}

/** What happens to one blocked dependant after some of its dependencies ended. */
export type DependantVerdict =
  /** Count `n` finished dependencies off; at 0 blocking dependencies it becomes pending. */
  | { id: string; release: number }
  /** Ends without running, in `state`, with `error` (serialised JSON) saying which dependency caused it. */
  | { id: string; end: JobState; error: string };

/** How a dependant ends when a dependency did not complete; worse outcomes win. */
const SEVERITY: Record<string, number> = { [JobState.Skipped]: 1, [JobState.Cancelled]: 2, [JobState.Failed]: 3 };

/** The ending one edge asks for, or null when the dependant may still run (it completed, or policy `run`). */
function endingOf(edge: EndedEdge): JobState | null {
  if (edge.depState === JobState.Completed || edge.policy === DependencyPolicy.Run) return null;
  if (edge.policy === DependencyPolicy.Skip) return JobState.Skipped;
  return edge.depState === JobState.Failed ? JobState.Failed : (edge.depState as JobState);
}

/**
 * Each dependant's verdict from the edges of dependencies that just ended: it ends (worst ending
 * wins: failed over cancelled over skipped) when one of them did not complete and its policy is not
 * `run`; otherwise it counts them off. Ended dependants cascade: the caller feeds them back in.
 */
export function judgeDependants(edges: readonly EndedEdge[]): DependantVerdict[] {
  const byJob = new Map<string, { n: number; end: JobState | null; cause: EndedEdge | null }>();
  for (const edge of edges) {
    const entry = byJob.get(edge.jobId) ?? { n: 0, end: null, cause: null };
    entry.n += 1;
    const ending = endingOf(edge);
    if (ending && (!entry.end || SEVERITY[ending]! > SEVERITY[entry.end]!)) {
      entry.end = ending;
      entry.cause = edge;
    }
    byJob.set(edge.jobId, entry);
  }
  const verdicts: DependantVerdict[] = [];
  for (const [id, e] of byJob) {
    if (e.end && e.cause) {
      const message = `dependency '${e.cause.depStep ?? e.cause.dependsOnId}' (job ${e.cause.dependsOnId}) ended ${e.cause.depState}; policy '${e.cause.policy}' makes this step ${e.end}`;
      verdicts.push({ id, end: e.end, error: JSON.stringify({ name: 'DependencyFailedError', message }) });
    } else {
      verdicts.push({ id, release: e.n });
    }
  }
  return verdicts;
}

/**
 * failed: a step failed and some dependant did not tolerate it (or nothing depends on it);
 * cancelled: a step was cancelled; completed: every step ended otherwise; running: something started.
 */
export function derivePipelineState(jobs: readonly JobRecord[], edges: readonly { dependsOnId: string; policy: string }[]): PipelineState {
  const tolerated = new Map<string, boolean>();
  for (const e of edges) tolerated.set(e.dependsOnId, (tolerated.get(e.dependsOnId) ?? true) && e.policy !== DependencyPolicy.Fail);
  if (jobs.some((j) => j.state === JobState.Failed && !(tolerated.get(j.id) ?? false))) return PipelineState.Failed;
  if (jobs.some((j) => j.state === JobState.Cancelled)) return PipelineState.Cancelled;
  if (jobs.every((j) => TERMINAL_JOB_STATES.includes(j.state))) return PipelineState.Completed;
  if (jobs.some((j) => j.state !== JobState.Pending && j.state !== JobState.Blocked)) return PipelineState.Running;
  return PipelineState.Pending;
}

/** Whether these ended jobs can end no dependant without running (each only counts them off). */
export function onlyReleases(ended: readonly { state: string }[]): boolean {
  return ended.every((j) => j.state === JobState.Completed);
}

/** Whether a job in this state has ended and settles its dependants. */
export function hasEnded(state: string): boolean {
  return TERMINAL_JOB_STATES.includes(state as JobState);
}
