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
export function derivePipelineState(
  jobs: readonly JobRecord[],
  edges: readonly { dependsOnId: string; policy: string }[],
): PipelineState {
  const tolerated = new Map<string, boolean>();
  for (const e of edges)
    tolerated.set(e.dependsOnId, (tolerated.get(e.dependsOnId) ?? true) && e.policy !== DependencyPolicy.Fail);
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

/** A pipeline step as a retry plan reads it. */
export interface StepState {
  id: string;
  state: string;
  attempts: number;
  /** The name of its stored error, if any. */
  errorName: string | null;
}

/** One step a retry sets going again: pending, or blocked on `blocking` unfinished dependencies. */
export interface ReopenedStep {
  id: string;
  /** The state it is in now (the write is conditional on it). */
  from: string;
  state: 'pending' | 'blocked';
  blocking: number;
}

export type RetryPlan =
  /** `reopen`: the retried step first, then its dependants that ended because of it; `addBlocking`: blocked dependants that counted it off and must wait for it again. */
  { reopen: ReopenedStep[]; addBlocking: { id: string; n: number }[] } | { refused: string };

/** Whether a step ended without running because of its dependencies (`endBlocked`'s DependencyFailedError). */
export function endedByDependency(step: StepState): boolean {
  return (
    step.attempts === 0 &&
    step.errorName === 'DependencyFailedError' &&
    hasEnded(step.state) &&
    step.state !== JobState.Completed
  );
}

/**
 * What retrying step `rootId` of a pipeline re-opens: the step itself, and, transitively, every
 * dependant that ended without running (failed, skipped or cancelled by its policy) because of it,
 * unless another of its dependencies that stays as it is would end it again. Each gets as many
 * blocking dependencies as it has unfinished (or re-opened) ones, so it runs when they complete.
 * Refused when the step itself did not run because of a dependency (retry that one instead), or a
 * dependency of it ended in a way that would end it again.
 */
export function planRetry(
  rootId: string,
  steps: readonly StepState[],
  edges: readonly { jobId: string; dependsOnId: string; policy: string }[],
): RetryPlan {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const into = groupBy(edges, (e) => e.jobId);
  const outOf = groupBy(edges, (e) => e.dependsOnId);
  const root = byId.get(rootId)!;
  if (endedByDependency(root)) {
    const cause = (into.get(rootId) ?? [])
      .map((e) => byId.get(e.dependsOnId)!)
      .find((d) => d.state !== JobState.Completed);
    return {
      refused: `it did not run because a dependency${cause ? ` (job ${cause.id}, ${cause.state})` : ''} did not complete; retry that one, and this step runs again with it`,
    };
  }
  // Every dependant reachable through steps that ended because of a dependency.
  const reopened = new Set<string>([rootId]);
  const frontier = [rootId];
  while (frontier.length) {
    for (const e of outOf.get(frontier.pop()!) ?? []) {
      const dependant = byId.get(e.jobId);
      if (dependant && !reopened.has(dependant.id) && endedByDependency(dependant)) {
        reopened.add(dependant.id);
        frontier.push(dependant.id);
      }
    }
  }
  // Drop the ones a dependency that stays ended would end again, until none is left to drop.
  const endedAgain = (id: string) =>
    (into.get(id) ?? []).find((e) => {
      const dep = byId.get(e.dependsOnId)!;
      return (
        !reopened.has(dep.id) && hasEnded(dep.state) && endingOf({ ...e, depState: dep.state, depStep: null }) !== null
      );
    });
  for (let changed = true; changed;) {
    changed = false;
    for (const id of reopened) {
      const cause = endedAgain(id);
      if (!cause) continue;
      if (id === rootId)
        return {
          refused: `its dependency job ${cause.dependsOnId} ended ${byId.get(cause.dependsOnId)!.state} (policy '${cause.policy}'), so it would end again without running; retry that one first`,
        };
      reopened.delete(id);
      changed = true;
    }
  }
  const unfinished = (id: string) =>
    (into.get(id) ?? []).filter((e) => reopened.has(e.dependsOnId) || !hasEnded(byId.get(e.dependsOnId)!.state)).length;
  const reopen = [...reopened].map((id): ReopenedStep => {
    const blocking = unfinished(id);
    return { id, from: byId.get(id)!.state, state: blocking > 0 ? 'blocked' : 'pending', blocking };
  });
  // A blocked dependant outside the set (policy `run`, or other dependencies unfinished) counted the
  // retried steps off when they ended: it waits for them again.
  const addBlocking = new Map<string, number>();
  for (const id of reopened) {
    for (const e of outOf.get(id) ?? []) {
      if (!reopened.has(e.jobId) && byId.get(e.jobId)?.state === JobState.Blocked)
        addBlocking.set(e.jobId, (addBlocking.get(e.jobId) ?? 0) + 1);
    }
  }
  return { reopen, addBlocking: [...addBlocking].map(([id, n]) => ({ id, n })) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}
