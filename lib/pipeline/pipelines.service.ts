import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/core';
import { JOBS_MODULE_OPTIONS } from '../jobs.constants.js';
import { JobNotFoundError } from '../errors/job-not-found.error.js';
import { InvalidPipelineError } from '../errors/invalid-pipeline.error.js';
import { WaitTimeoutError } from '../errors/wait-timeout.error.js';
import { JobRegistry } from '../discovery/job.registry.js';
import type { JobRecord, PipelineRecord } from '../interfaces/job-record.js';
import { DependencyPolicy, JobState, PipelineState, TERMINAL_JOB_STATES } from '../interfaces/job-state.js';
import type { ResolvedJobsModuleOptions } from '../interfaces/jobs-module-options.js';
import { JobStore } from '../persistence/job.store.js';
import { mapJobRow, parseJson, toDate, type JobRow } from '../persistence/row.mapper.js';
import { insertEdges, insertPipeline } from '../persistence/statements/dependencies.sql.js';
import { cancelPipelineSteps } from '../persistence/statements/cancel-jobs.sql.js';
import { settleDependants } from '../persistence/settle-dependants.js';
import { selectPipeline, selectPipelineEdges, selectPipelineJobs } from '../persistence/statements/read-jobs.sql.js';
import { type Dialect, type Executor, run } from '../persistence/sql.util.js';
import { JobHooksRegistry } from '../discovery/job-hooks.registry.js';
import { JobHookKind } from '../decorators/job-hooks.decorator.js';
import { guard, writeIn } from '../queue/db-guard.util.js';
import { assertId } from '../queue/job-id.util.js';
import { JobRowFactory } from '../queue/job-row.factory.js';
import { toJson } from '../queue/json.util.js';
import { QueueNotifier } from '../queue/queue.notifier.js';
import type { WaitOptions } from '../queue/job-queue.service.js';
import { PipelineBuilder } from './pipeline.builder.js';
import { planPipeline, wrapStepError } from './pipeline.planner.js';
import type { PipelineDefinition } from './pipeline.types.js';

/** Pipelines: many jobs with dependencies, written at once, tracked as one record. */
@Injectable()
export class Pipelines {
  constructor(
    private readonly store: JobStore,
    private readonly registry: JobRegistry,
    private readonly rows: JobRowFactory,
    private readonly notifier: QueueNotifier,
    private readonly hooks: JobHooksRegistry,
    @Inject(JOBS_MODULE_OPTIONS) private readonly options: ResolvedJobsModuleOptions,
  ) {}

  /**
   * Checks the whole definition (steps, dependencies, cycles, handlers, inputs, options), then writes
   * the pipeline, its steps and their edges in one transaction (`em`'s, if given). Returns the record.
   */
  async enqueue(definition: PipelineDefinition | PipelineBuilder<any>, options: { em?: EntityManager } = {}): Promise<PipelineRecord> {
    const def = definition instanceof PipelineBuilder ? definition.build() : definition;
    const plan = planPipeline(def, (n) => this.registry.has(n), this.options.maxBatchSize);
    if (def.workspace !== undefined && (def.workspace === null || typeof def.workspace !== 'object' || Array.isArray(def.workspace))) {
      throw new InvalidPipelineError(`A pipeline's workspace must be a JSON object such as { requestedBy: 42 }; got ${Array.isArray(def.workspace) ? 'an array' : typeof def.workspace}.`);
    }
    const workspace = toJson(def.workspace ?? {}, 'Pipeline workspace', this.options.maxPayloadBytes);
    const d = this.store.dialect;
    const rows = await Promise.all(
      plan.map(async ({ key, step, deps }, i) => {
        const { job, input, after: _after, ...opts } = step;
        try {
          // A step fed by its dependencies has no input yet: its DTO is checked before it runs.
          const fed = input === undefined && deps.length > 0;
          return await this.rows.build(d, i, job, fed ? null : input, {
            ...opts,
            step: key,
            blockingDeps: deps.length,
            inputFromDependencies: fed,
          });
        } catch (err) {
          return wrapStepError(key, err);
        }
      }),
    );
    return writeIn(this.store, options.em, async (ex) => {
      const [created] = await run<Record<string, unknown>>(ex, insertPipeline(d, def.name ?? null, workspace));
      const pipelineId = String(created!.id);
      for (const r of rows) r.pipeline_id = pipelineId;
      const jobs = await this.store.insert(ex, rows, this.notifier.channel);
      const idByKey = new Map(plan.map((p, i) => [p.key, jobs[i]!.id]));
      const edges = plan.flatMap((p) =>
        p.deps.map((dep) => ({ job_id: idByKey.get(p.key)!, depends_on_id: idByKey.get(dep.key)!, policy: dep.policy, via_id: null })),
      );
      if (edges.length) await run(ex, insertEdges(d, edges));
      for (const job of jobs) for (const hook of this.hooks.for(JobHookKind.Enqueued, job.name)) await hook.fn(job);
      // Built from what was just written, not read back: the caller's transaction may not be
      // committed yet (and on SQLite another connection would wait for its write lock).
      return toRecord(created!, jobs, edges, d);
    });
  }

  async get(id: string | number): Promise<PipelineRecord> {
    assertId(id, 'pipeline');
    return guard(() => this.read(id, this.store.db));
  }

  private async read(id: string | number, ex: Executor): Promise<PipelineRecord> {
    const d = this.store.dialect;
    const [row] = await this.store.query<Record<string, unknown>>(selectPipeline(d, String(id)), ex);
    if (!row) throw new JobNotFoundError(`No pipeline has id ${id}.`);
    const jobs = (await this.store.query<JobRow>(selectPipelineJobs(d, String(id)), ex)).map((r) => mapJobRow(r, d));
    const edges = await this.store.query<{ depends_on_id: unknown; policy: string }>(selectPipelineEdges(d, String(id)), ex);
    return toRecord(row, jobs, edges, d);
  }

  /**
   * Cancels every step that has not finished: unstarted ones at once, running ones through their
   * signal. Steps are found by pipeline in the statement itself, so a child spawned a moment ago is
   * cancelled too; dependants of the cancelled steps settle in the same transaction.
   */
  async cancel(id: string | number): Promise<PipelineRecord> {
    await this.get(id); // JobNotFoundError for an unknown id
    const d = this.store.dialect;
    await guard(async () => {
      for (let round = 0; round < 10; round++) {
        const rows = await this.store.transaction(async (tx) => {
          const ended = await run<{ id: unknown; state: string }>(tx, cancelPipelineSteps(d, String(id)));
          const finished = ended.filter((r) => r.state === JobState.Cancelled).map((r) => String(r.id));
          if (finished.length) await settleDependants(tx, d, finished);
          return ended;
        });
        if (rows.length === 0) break;
      }
    });
    return this.get(id);
  }

  /** Resolves once every step has finished. */
  async waitFor(id: string | number, options: WaitOptions = {}): Promise<PipelineRecord> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const started = Date.now();
    for (;;) {
      const p = await this.get(id);
      if (p.progress.done === p.progress.total) return p;
      if (Date.now() - started > timeoutMs) {
        throw new WaitTimeoutError(`Pipeline ${id} has ${p.progress.done} of ${p.progress.total} steps finished after ${timeoutMs} ms.`);
      }
      await new Promise((r) => setTimeout(r, options.pollIntervalMs ?? 100));
    }
  }
}

/** A pipeline record from its row, its steps (in creation order) and its edges. */
function toRecord(row: Record<string, unknown>, jobs: JobRecord[], edges: { depends_on_id: unknown; policy: string }[], d: Dialect): PipelineRecord {
  const steps: Record<string, JobRecord> = {};
  for (const j of jobs) steps[j.step ?? j.id] = j;
  return {
    id: String(row.id),
    name: (row.name as string | null) ?? null,
    state: derivePipelineState(jobs, edges),
    createdAt: toDate(row.created_at)!,
    progress: { done: jobs.filter((j) => TERMINAL_JOB_STATES.includes(j.state)).length, total: jobs.length },
    steps,
    workspace: parseJson(row.workspace, d) ?? {},
  };
}

/**
 * failed: a step failed and some dependant did not tolerate it (or nothing depends on it);
 * cancelled: a step was cancelled; completed: every step ended otherwise; running: something started.
 */
export function derivePipelineState(jobs: JobRecord[], edges: { depends_on_id: unknown; policy: string }[]): PipelineState {
  const tolerated = new Map<string, boolean>();
  for (const e of edges) {
    const id = String(e.depends_on_id);
    tolerated.set(id, (tolerated.get(id) ?? true) && e.policy !== DependencyPolicy.Fail);
  }
  if (jobs.some((j) => j.state === JobState.Failed && !(tolerated.get(j.id) ?? false))) return PipelineState.Failed;
  if (jobs.some((j) => j.state === JobState.Cancelled)) return PipelineState.Cancelled;
  if (jobs.every((j) => TERMINAL_JOB_STATES.includes(j.state))) return PipelineState.Completed;
  if (jobs.some((j) => j.state !== JobState.Pending && j.state !== JobState.Blocked)) return PipelineState.Running;
  return PipelineState.Pending;
}
