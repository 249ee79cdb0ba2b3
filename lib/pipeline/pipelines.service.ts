import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/core';
import { JOBS_MODULE_OPTIONS } from '../jobs.constants.js';
import { JobNotFoundError } from '../errors/job-not-found.error.js';
import { InvalidPipelineError } from '../errors/invalid-pipeline.error.js';
import { WaitTimeoutError } from '../errors/wait-timeout.error.js';
import { JobRegistry } from '../discovery/job.registry.js';
import type { JobRecord, PipelineRecord } from '../interfaces/job-record.js';
import { JobState, TERMINAL_JOB_STATES } from '../interfaces/job-state.js';
import type { ResolvedJobsModuleOptions } from '../interfaces/jobs-module-options.js';
import { JobStore } from '../persistence/job.store.js';
import { guard } from '../persistence/db-guard.util.js';
import type { WrittenPipeline } from '../persistence/job.writer.js';
import { JobHooksRegistry } from '../discovery/job-hooks.registry.js';
import { JobHookKind } from '../decorators/job-hooks.decorator.js';
import { assertId } from '../queue/job-id.util.js';
import { JobRowFactory } from '../queue/job-row.factory.js';
import { toJson } from '../validation/json.util.js';
import { JobEventsBus } from '../events/job-events.bus.js';
import { waitForEnd, type WaitOptions } from '../events/wait-for-end.js';
import { derivePipelineState } from './dependency.policy.js';
import { PipelineBuilder } from './pipeline.builder.js';
import { planPipeline, wrapStepError, type PlannedStep } from './pipeline.planner.js';
import type { PipelineDefinition } from './pipeline.types.js';
import { inProducerSpan, stampTraceContext } from '../telemetry/tracing.js';
import { countEnqueued } from '../telemetry/metrics.js';
import { JobTelemetry } from '../telemetry/telemetry.constants.js';

/** Pipelines: many jobs with dependencies, written at once, tracked as one record. */
@Injectable()
export class Pipelines {
  constructor(
    private readonly store: JobStore,
    private readonly registry: JobRegistry,
    private readonly rows: JobRowFactory,
    private readonly hooks: JobHooksRegistry,
    @Inject(JOBS_MODULE_OPTIONS) private readonly options: ResolvedJobsModuleOptions,
    private readonly events: JobEventsBus,
  ) {}

  /**
   * Checks the whole definition (steps, dependencies, cycles, handlers, inputs, options), then writes
   * the pipeline, its steps and their edges in one transaction (`em`'s, if given). Returns the record.
   */
  async enqueue(
    definition: PipelineDefinition | PipelineBuilder<any>,
    options: { em?: EntityManager } = {},
  ): Promise<PipelineRecord> {
    const def = definition instanceof PipelineBuilder ? definition.build() : definition;
    const plan = planPipeline(def, (n) => this.registry.has(n), this.options.maxBatchSize);
    if (
      def.workspace !== undefined &&
      (def.workspace === null || typeof def.workspace !== 'object' || Array.isArray(def.workspace))
    ) {
      throw new InvalidPipelineError(
        `A pipeline's workspace must be a JSON object such as { requestedBy: 42 }; got ${Array.isArray(def.workspace) ? 'an array' : typeof def.workspace}.`,
      );
    }
    const workspace = toJson(def.workspace ?? {}, 'Pipeline workspace', this.options.maxPayloadBytes);
    // One producer span for the whole pipeline: every step stores its context, so the steps' runs
    // (and the children they spawn) make one trace.
    return inProducerSpan(
      () => `enqueue pipeline ${def.name ?? 'unnamed'}`,
      () => this.write(def, plan, workspace, options.em),
      (p) => ({ [JobTelemetry.attributes.pipelineId]: p.id, [JobTelemetry.attributes.batchCount]: p.progress.total }),
    );
  }

  private async write(
    def: PipelineDefinition,
    plan: PlannedStep[],
    workspace: string,
    em: EntityManager | undefined,
  ): Promise<PipelineRecord> {
    const rows = await Promise.all(
      plan.map(async ({ key, step, deps }, i) => {
        const { job, input, after: _after, ...opts } = step;
        try {
          // A step fed by its dependencies has no input yet: its DTO is checked before it runs.
          const fed = input === undefined && deps.length > 0;
          return await this.rows.build(i, job, fed ? null : input, {
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
    const indexOf = new Map(plan.map((p, i) => [p.key, i]));
    const planned = plan.flatMap((p, i) =>
      p.deps.map((dep) => ({ job: i, dependsOn: indexOf.get(dep.key)!, policy: dep.policy })),
    );
    stampTraceContext(rows);
    const { record, written } = await this.store.write(em, async (w) => {
      const { pipeline: created, jobs, edges } = await w.insertPipeline(def.name ?? null, workspace, rows, planned);
      for (const job of jobs) for (const hook of this.hooks.for(JobHookKind.Enqueued, job.name)) await hook.fn(job);
      // Built from what was just written, not read back: the caller's transaction may not be
      // committed yet (and where the database has one writer, another connection would wait for it).
      return { record: toRecord(created, jobs, edges), written: w.written };
    });
    this.events.enqueued(written);
    countEnqueued(written);
    return record;
  }

  async get(id: string | number): Promise<PipelineRecord> {
    assertId(id, 'pipeline');
    const found = await guard(() => this.store.getPipeline(String(id)));
    if (!found) throw new JobNotFoundError(`No pipeline has id ${id}.`);
    return toRecord(found, found.jobs, found.edges);
  }

  /**
   * Cancels every step that has not finished: unstarted ones at once, running ones through their
   * signal. Steps are found by pipeline in the statement itself, so a child spawned a moment ago is
   * cancelled too; dependants of the cancelled steps settle in the same transaction.
   */
  async cancel(id: string | number): Promise<PipelineRecord> {
    const before = await this.get(id); // JobNotFoundError for an unknown id
    await guard(() => this.store.control.cancelPipeline(String(id)));
    const after = await this.get(id);
    for (const [key, step] of Object.entries(after.steps)) {
      if (step.state === JobState.Cancelled && before.steps[key]?.state !== JobState.Cancelled)
        this.events.cancelled(step);
    }
    return after;
  }

  /** Resolves once every step has finished; woken like `JobQueue.waitFor()`. */
  waitFor(id: string | number, options: WaitOptions = {}): Promise<PipelineRecord> {
    return waitForEnd(
      this.events,
      `pipeline:${id}`,
      options,
      () => this.get(id),
      (p) => p.progress.done === p.progress.total,
      (p, timeoutMs) =>
        new WaitTimeoutError(
          `Pipeline ${id} has ${p.progress.done} of ${p.progress.total} steps finished after ${timeoutMs} ms.`,
        ),
    );
  }
}

/** A pipeline record from its row, its steps (in creation order) and its edges. */
function toRecord(
  p: WrittenPipeline,
  jobs: JobRecord[],
  edges: { dependsOnId: string; policy: string }[],
): PipelineRecord {
  const steps: Record<string, JobRecord> = {};
  for (const j of jobs) steps[j.step ?? j.id] = j;
  return {
    id: p.id,
    name: p.name,
    state: derivePipelineState(jobs, edges),
    createdAt: p.createdAt,
    progress: { done: jobs.filter((j) => TERMINAL_JOB_STATES.includes(j.state)).length, total: jobs.length },
    steps,
    workspace: p.workspace,
  };
}
