import type { DependencyResult } from '../interfaces/job-context.js';
import type { Json } from '../interfaces/job-types.js';
import type { JobStore } from '../persistence/job.store.js';
import type { ClaimedJob } from '../persistence/store.types.js';

/** What a claimed pipeline step is told before it runs. */
export interface StepContext {
  /** Every finished dependency (declared ones and children they spawned), keyed by step. */
  dependencies: Record<string, DependencyResult>;
  /** Declared dependencies, in `declaredSteps` order: they make the step's input. */
  declared: DependencyResult[];
  declaredSteps: string[];
  /** Outputs of spawned children, by the spawner's step, in spawn order. */
  children: Map<string, unknown[]>;
  workspace: Record<string, Json>;
}

/** The fewest primed contexts kept before the oldest are evicted. */
const MIN_PRIMED_CAP = 10_000;

/**
 * Loads the dependency results and workspace of pipeline steps about to run. Steps started in the
 * same tick share two queries (dependencies of all, workspaces of all): a consumer starts a claimed
 * batch at once, and one round trip pair per step made pipeline steps the bottleneck
 * (`npm run bench -- --only pipeline-steps`: 1,000 pipelines of 5 steps, loading one step at a time
 * took 24 ms per step at concurrency 10; 751 steps/s against 11,299 plain jobs/s).
 */
export class StepContextLoader {
  private pending: { job: ClaimedJob; resolve: (c: StepContext) => void; reject: (e: unknown) => void }[] = [];
  /**
   * Loads started at claim time, by job id (with the attempt they were primed for); taken by
   * `load()` when the step starts, dropped by `forget()` when it never will. Bounded: a step that is
   * dropped without `forget()` (lost lease, buffer cleared) is evicted by a later claim of the same
   * job, or, oldest first, once the map holds more than MIN_PRIMED_CAP or twice the largest claimed
   * batch. An evicted step that does start still runs: `load()` then loads its context itself.
   */
  private readonly primed = new Map<string, { attempt: number; context: Promise<StepContext> }>();
  private cap = MIN_PRIMED_CAP;

  constructor(private readonly store: JobStore) {}

  /** How many primed contexts are held (tests). */
  get primedCount(): number {
    return this.primed.size;
  }

  /**
   * Starts loading the contexts of the pipeline steps in a claimed batch at once, so a step finds
   * its context ready when a slot frees up (a claim holds up to ~100 ms of work; loading per started
   * step kept concurrency slots waiting on queries). A step is pending only once its dependencies
   * ended, so their results cannot change before it runs. Returns `jobs`.
   */
  prime(jobs: ClaimedJob[]): ClaimedJob[] {
    const steps = jobs.filter((j) => j.pipelineId !== null);
    if (steps.length === 0) return jobs;
    const all = this.loadAll(steps);
    for (const job of steps) {
      const context = all.then((contexts) => contexts.get(job.id)!);
      context.catch(() => undefined); // a step handed back unstarted never takes it
      this.primed.delete(job.id); // an earlier attempt's, never started: re-inserted as the newest
      this.primed.set(job.id, { attempt: job.attempts, context });
    }
    this.cap = Math.max(this.cap, 2 * steps.length);
    for (const id of this.primed.keys()) {
      if (this.primed.size <= this.cap) break;
      this.primed.delete(id); // oldest first (insertion order)
    }
    return jobs;
  }

  /** Drops the context primed for a claimed step that will not start here (handed back, lease lost). */
  forget(job: Pick<ClaimedJob, 'id' | 'attempts'>): void {
    const entry = this.primed.get(job.id);
    if (entry && entry.attempt === job.attempts) this.primed.delete(job.id);
  }

  load(job: ClaimedJob): Promise<StepContext> {
    const entry = this.primed.get(job.id);
    if (entry && entry.attempt === job.attempts) {
      this.primed.delete(job.id);
      return entry.context;
    }
    return new Promise((resolve, reject) => {
      if (this.pending.push({ job, resolve, reject }) === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const contexts = await this.loadAll(batch.map((b) => b.job));
      for (const b of batch) b.resolve(contexts.get(b.job.id)!);
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  private async loadAll(jobs: ClaimedJob[]): Promise<Map<string, StepContext>> {
    const { dependencies, workspaces } = await this.store.stepInputs(
      jobs.map((j) => j.id),
      [...new Set(jobs.map((j) => j.pipelineId!))],
    );
    const rowsByJob = new Map<string, StoredDependency[]>();
    for (const r of dependencies) {
      const list = rowsByJob.get(r.jobId) ?? [];
      list.push(r);
      rowsByJob.set(r.jobId, list);
    }
    const out = new Map<string, StepContext>();
    for (const job of jobs) {
      // Shared by the steps of one pipeline: read only; the runner copies it for the handler.
      const workspace = (workspaces.get(job.pipelineId!) ?? {}) as Record<string, Json>;
      out.set(job.id, buildContext(rowsByJob.get(job.id) ?? [], workspace));
    }
    return out;
  }
}

type StoredDependency = Awaited<ReturnType<JobStore['stepInputs']>>['dependencies'][number];

function buildContext(rows: StoredDependency[], workspace: Record<string, Json>): StepContext {
  const ctx: StepContext = { dependencies: {}, declared: [], declaredSteps: [], children: new Map(), workspace };
  const stepById = new Map<string, string>();
  for (const r of rows) {
    const result: DependencyResult = { jobId: r.id, state: r.state, output: r.output, error: r.error };
    const key = r.step ?? r.id;
    ctx.dependencies[key] = result;
    stepById.set(r.id, key);
    if (r.viaId === null) {
      ctx.declared.push(result);
      ctx.declaredSteps.push(key);
    }
  }
  for (const r of rows) {
    if (r.viaId === null) continue;
    const parentStep = stepById.get(r.viaId) ?? r.viaId;
    const list = ctx.children.get(parentStep) ?? [];
    list.push(r.output);
    ctx.children.set(parentStep, list);
  }
  return ctx;
}
