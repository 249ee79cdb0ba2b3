import type { MikroORM } from '@mikro-orm/core';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import { JobTimeoutError } from '../errors/job-timeout.error.js';
import { LeaseLostError } from '../errors/lease-lost.error.js';
import { ConsumerShutdownError } from '../errors/shutdown.error.js';
import { InvalidJobInputError } from '../errors/invalid-input.error.js';
import type { JobRegistry } from '../discovery/job.registry.js';
import type { JobHooksRegistry, RegisteredHook } from '../discovery/job-hooks.registry.js';
import { JobHookKind } from '../decorators/job-hooks.decorator.js';
import type { JobContext, JobErrorInfo, SpawnRequest } from '../interfaces/job-context.js';
import type { JobRecord } from '../interfaces/job-record.js';
import type { Json } from '../interfaces/job-types.js';
import type { JobStore } from '../persistence/job.store.js';
import { insertEdges, addBlocking, selectEdgesFrom } from '../persistence/statements/dependencies.sql.js';
import { StepContextLoader } from '../pipeline/step-context.loader.js';
import { mergeWorkspace, type WorkspacePatch } from '../persistence/merge-workspace.js';
import { updateProgress } from '../persistence/statements/read-jobs.sql.js';
import { type Dialect, type Executor, run } from '../persistence/sql.util.js';
import type { JobRowFactory } from '../queue/job-row.factory.js';
import { validateInput } from '../queue/input.validator.js';
import { toJson } from '../queue/json.util.js';
import { assertJobName } from '../queue/options.validator.js';
import { describeError } from './error.util.js';

export type RunOutcome =
  | { kind: 'completed'; output: string; apply?: (tx: Executor, dialect: Dialect) => Promise<void> }
  | { kind: 'failed'; error: JobErrorInfo; timeout: boolean; /** Retrying cannot help (invalid input). */ permanent: boolean }
  | { kind: 'aborted'; reason: 'cancelled' | 'lease-lost' | 'shutdown'; error: JobErrorInfo };


/**
 * Runs one claimed job: builds its context (forked EntityManager, signal, dependency results),
 * validates its input again, calls the handler, and turns whatever happens into an outcome.
 * It never throws. Timeout, cancel, lease loss and shutdown abort `ctx.signal` and settle the
 * outcome at once, even if the handler ignores the signal.
 */
export class JobRunner {
  constructor(
    private readonly orm: MikroORM,
    private readonly store: JobStore,
    private readonly registry: JobRegistry,
    private readonly rows: JobRowFactory,
    private readonly maxPayloadBytes: number,
    private readonly hooks: JobHooksRegistry,
    private readonly onHookError: (message: string) => void,
  ) {}

  /** Dependency results and workspaces of the pipeline steps about to run, loaded a batch at a time. */
  private readonly steps = new StepContextLoader(this.store);

  /** Starts loading the pipeline step contexts of a claimed batch; returns the batch. */
  prime(jobs: JobRecord[]): JobRecord[] {
    return this.steps.prime(jobs);
  }

  async execute(job: JobRecord, controller: AbortController): Promise<RunOutcome> {
    let ctx: JobContext | undefined;
    const outcome = await this.executeAttempt(job, controller, (c) => (ctx = c));
    if (ctx) await this.afterHooks(job, ctx, outcome);
    return outcome;
  }

  /** @AfterJob hooks after every attempt, @OnJobFailed when it was the last; their errors are logged only. */
  private async afterHooks(job: JobRecord, ctx: JobContext, outcome: RunOutcome): Promise<void> {
    const error = outcome.kind === 'completed' ? undefined : outcome.error;
    const output = outcome.kind === 'completed' ? JSON.parse(outcome.output) : undefined;
    const calls: [RegisteredHook, unknown[]][] = this.hooks.for(JobHookKind.After, job.name).map((h) => [h, [ctx, { error, output }]]);
    if (outcome.kind === 'failed' && (outcome.permanent || job.attempts >= job.maxAttempts)) {
      calls.push(...this.hooks.for(JobHookKind.Failed, job.name).map((h): [RegisteredHook, unknown[]] => [h, [ctx, outcome.error]]));
    }
    for (const [hook, args] of calls) {
      try {
        await hook.fn(...args);
      } catch (err) {
        this.onHookError(`hook ${hook.source} failed for job ${job.id}: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }

  private async executeAttempt(job: JobRecord, controller: AbortController, exposeCtx: (ctx: JobContext) => void): Promise<RunOutcome> {
    const timer = job.timeoutMs
      ? setTimeout(
          () => controller.abort(new JobTimeoutError(`Job ${job.id} ('${job.name}') ran longer than its timeoutMs of ${job.timeoutMs} ms`)),
          job.timeoutMs,
        )
      : undefined;
    try {
      const aborted = new Promise<never>((_, reject) => {
        if (controller.signal.aborted) reject(controller.signal.reason);
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      aborted.catch(() => undefined);
      return await Promise.race([this.attempt(job, controller.signal, exposeCtx), aborted]);
    } catch (err) {
      return this.failure(err);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private failure(err: unknown): RunOutcome {
    const error = describeError(err);
    if (err instanceof JobCancelledError) return { kind: 'aborted', reason: 'cancelled', error };
    if (err instanceof LeaseLostError) return { kind: 'aborted', reason: 'lease-lost', error };
    if (err instanceof ConsumerShutdownError) return { kind: 'aborted', reason: 'shutdown', error };
    return { kind: 'failed', error, timeout: err instanceof JobTimeoutError, permanent: err instanceof InvalidJobInputError };
  }

  private async attempt(job: JobRecord, signal: AbortSignal, exposeCtx: (ctx: JobContext) => void): Promise<RunOutcome> {
    const registered = this.registry.get(job.name);
    const step = job.pipelineId ? await this.steps.load(job) : undefined;
    let input: unknown = job.input;
    if (step && input === null && step.declared.length > 0) {
      input = step.declared.length === 1 ? step.declared[0]!.output : Object.fromEntries(step.declaredSteps.map((s, i) => [s, step.declared[i]!.output]));
    }
    if (registered.options.input) input = await validateInput(job.name, registered.options.input, input);

    const spawned: SpawnRequest[] = [];
    // A JSON copy (the workspace is JSON), made with this realm's own objects.
    const workspace: Record<string, Json> = JSON.parse(JSON.stringify(step?.workspace ?? {}));
    const ctx: JobContext = {
      jobId: job.id,
      name: job.name,
      queue: job.queue,
      attempt: job.attempts,
      maxAttempts: job.maxAttempts,
      signal,
      em: this.orm.em.fork(),
      pipelineId: job.pipelineId,
      step: job.step,
      dependencies: step?.dependencies ?? {},
      childOutputs: (s) => step?.children.get(s) ?? [],
      workspace,
      spawn: (children) => {
        for (const child of Array.isArray(children) ? children : [children]) {
          assertJobName(child?.name, 'ctx.spawn()');
          this.registry.get(child.name);
          spawned.push(child);
        }
      },
      progress: async (message, details) => {
        const text = toJson({ message, details: details ?? null }, `Progress of job ${job.id}`, this.maxPayloadBytes);
        await run(this.store.db, updateProgress(this.store.dialect, job.id, text));
      },
    };

    exposeCtx(ctx);
    for (const hook of this.hooks.for(JobHookKind.Before, job.name)) await hook.fn(input, ctx);
    const result = await registered.handler(input, ctx);
    const output = toJson(result === undefined ? null : result, `Output of job '${job.name}'`, this.maxPayloadBytes);
    const patch = workspacePatch(step?.workspace ?? {}, workspace, this.maxPayloadBytes);
    if (spawned.length === 0 && patch === null) return { kind: 'completed', output };
    const childRows = await Promise.all(
      spawned.map((c, i) =>
        this.rows.build(this.store.dialect, i, c.name, c.input, {
          priority: c.priority,
          queue: c.queue,
          maxAttempts: c.maxAttempts,
          timeoutMs: c.timeoutMs,
          pipelineId: job.pipelineId,
          parentId: job.id,
          step: c.step ?? `${job.step ?? job.name}[${i}]`,
        }),
      ),
    );
    return {
      kind: 'completed',
      output,
      apply: async (tx, dialect) => {
        if (childRows.length) {
          const children = await this.store.insert(tx, childRows);
          const edges = await run<{ job_id: unknown; policy: string }>(tx, selectEdgesFrom(dialect, job.id));
          if (edges.length) {
            await run(tx, insertEdges(dialect, edges.flatMap((e) =>
              children.map((c) => ({ job_id: String(e.job_id), depends_on_id: c.id, policy: e.policy, via_id: job.id })))));
            await run(tx, addBlocking(dialect, edges.map((e) => ({ id: String(e.job_id), n: children.length }))));
          }
        }
        if (patch !== null && job.pipelineId) await mergeWorkspace(tx, dialect, job.pipelineId, patch);
      },
    };
  }
}

/** The top-level keys a step changed or deleted in its workspace, or null when it changed none. */
function workspacePatch(before: Record<string, Json>, after: Record<string, Json>, maxBytes: number): WorkspacePatch | null {
  const set: Record<string, Json> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(after[key]) !== JSON.stringify(before[key])) set[key] = after[key]!;
  }
  const unset = Object.keys(before).filter((key) => !(key in after));
  if (Object.keys(set).length === 0 && unset.length === 0) return null;
  toJson(set, 'Pipeline workspace', maxBytes); // JSON only, size-checked; throws otherwise
  return { set, unset };
}
