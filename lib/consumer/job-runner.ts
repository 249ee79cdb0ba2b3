import type { MikroORM } from '@mikro-orm/core';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import { JobTimeoutError } from '../errors/job-timeout.error.js';
import { LeaseLostError } from '../errors/lease-lost.error.js';
import { ConsumerShutdownError } from '../errors/shutdown.error.js';
import { InvalidJobInputError } from '../errors/invalid-input.error.js';
import { SnoozeJob } from '../errors/snooze-job.error.js';
import type { JobRegistry } from '../discovery/job.registry.js';
import type { JobHooksRegistry, RegisteredHook } from '../discovery/job-hooks.registry.js';
import { JobHookKind } from '../decorators/job-hooks.decorator.js';
import type { JobContext } from '../interfaces/job-context.js';
import type { Json } from '../interfaces/job-types.js';
import type { JobStore } from '../persistence/job.store.js';
import type { ClaimedJob } from '../persistence/store.types.js';
import { StepContextLoader } from '../pipeline/step-context.loader.js';
import type { JobRowFactory } from '../queue/job-row.factory.js';
import { validateInput } from '../validation/input.validator.js';
import { completedOutcome } from './completion.builder.js';
import { describeError } from './error.util.js';
import { buildJobContext } from './job-context.factory.js';
import type { CheckedSpawn } from './spawn.checker.js';
import type { RunOutcome } from './run-outcome.js';
import { isFinalFailure, isUnrecoverable } from './retry.policy.js';
import { endRunSpan, inRunContext, startRunSpan } from '../telemetry/tracing.js';
import { countEnqueued, recordEnd, recordStart } from '../telemetry/metrics.js';

export type { RunOutcome } from './run-outcome.js';

/**
 * Runs one claimed job: builds its context (forked EntityManager, signal, dependency results),
 * validates its input again, calls the handler, and turns whatever happens into an outcome.
 * It never throws. Timeout, cancel, lease loss and shutdown abort `ctx.signal` and settle the
 * outcome at once, even if the handler ignores the signal.
 */
export class JobRunner {
  /** `orm`, `store`, `registry`, `rows` and `limits` are read by `buildJobContext` and `completedOutcome` too. */
  constructor(
    readonly orm: MikroORM,
    readonly store: JobStore,
    readonly registry: JobRegistry,
    readonly rows: JobRowFactory,
    readonly limits: { maxPayloadBytes: number; maxBatchSize: number },
    private readonly hooks: JobHooksRegistry,
    private readonly onHookError: (message: string) => void,
    /** Told each progress note once written (events); read by `buildJobContext`. */
    readonly onProgress?: (job: ClaimedJob, message: string, details: Json | null) => void,
  ) {}

  /** Dependency results and workspaces of the pipeline steps about to run, loaded a batch at a time. */
  private readonly steps = new StepContextLoader(this.store);

  /** Starts loading the pipeline step contexts of a claimed batch; returns the batch. */
  prime(jobs: ClaimedJob[]): ClaimedJob[] {
    return this.steps.prime(jobs);
  }

  /** Drops what `prime` loaded for a claimed job that will not start here (handed back, lease lost, buffer cleared). */
  forget(job: Pick<ClaimedJob, 'id' | 'attempts'>): void {
    this.steps.forget(job);
  }

  /** Runs the attempt in its CONSUMER span (when tracing) and records its metrics. */
  execute(job: ClaimedJob, controller: AbortController): Promise<RunOutcome> {
    const startedAt = recordStart(job);
    const run = startRunSpan(job);
    // Without an SDK (the drain's usual case), no await of its own: one promise less per job.
    if (run === undefined && startedAt === undefined) return this.runWithHooks(job, controller);
    return this.observed(job, controller, startedAt, run);
  }

  private async observed(
    job: ClaimedJob,
    controller: AbortController,
    startedAt: number | undefined,
    run: ReturnType<typeof startRunSpan>,
  ): Promise<RunOutcome> {
    const outcome = await (run
      ? inRunContext(run, () => this.runWithHooks(job, controller))
      : this.runWithHooks(job, controller));
    if (run) endRunSpan(run, outcome);
    if (startedAt !== undefined) {
      const { kind } = outcome;
      const final = kind === 'failed' && isFinalFailure(job, outcome);
      recordEnd(
        job,
        kind === 'completed' ? kind : kind === 'failed' ? (final ? 'failed' : 'retried') : 'other',
        startedAt,
      );
    }
    if (outcome.kind === 'completed' && outcome.effects?.children.length) countEnqueued(outcome.effects.children);
    return outcome;
  }

  private async runWithHooks(job: ClaimedJob, controller: AbortController): Promise<RunOutcome> {
    let ctx: JobContext | undefined;
    const outcome = await this.executeAttempt(job, controller, (c) => (ctx = c));
    if (ctx) await this.afterHooks(job, ctx, outcome);
    return outcome;
  }

  /** @OnJobFailed when the attempt was the job's last, then @AfterJob after every attempt; their errors are logged only. */
  private async afterHooks(job: ClaimedJob, ctx: JobContext, outcome: RunOutcome): Promise<void> {
    const after = this.hooks.for(JobHookKind.After, job.name);
    const lastFailure = outcome.kind === 'failed' && isFinalFailure(job, outcome);
    const failed = lastFailure ? this.hooks.for(JobHookKind.Failed, job.name) : [];
    if (after.length === 0 && failed.length === 0) return;
    const error = outcome.kind === 'completed' || outcome.kind === 'snoozed' ? undefined : outcome.error;
    const output = outcome.kind === 'completed' && after.length ? JSON.parse(outcome.output) : undefined;
    // The failure hooks first, then the after hooks (the order django-db-queue runs its failure and
    // post hooks in): an after hook that cleans up runs once the failure is reported.
    const calls: [RegisteredHook, unknown[]][] = [
      ...failed.map((h): [RegisteredHook, unknown[]] => [h, [ctx, (outcome as { error: unknown }).error]]),
      ...after.map((h): [RegisteredHook, unknown[]] => [h, [ctx, { error, output }]]),
    ];
    for (const [hook, args] of calls) {
      try {
        await hook.fn(...args);
      } catch (err) {
        this.onHookError(`hook ${hook.source} failed for job ${job.id}: ${(err as Error)?.message ?? String(err)}`);
      }
    }
  }

  /**
   * Jobs this consumer's rescue ended `failed` (their consumer died on their last attempt): their
   * @OnJobFailed hooks run here, once, if this process has a handler for the name (no @AfterJob: no
   * attempt ran here). The context is the job's, with nothing to spawn or report progress on.
   */
  async failedOnRescue(ids: readonly string[]): Promise<void> {
    for (const job of await this.store.get([...ids])) {
      const hooks = this.registry.has(job.name) ? this.hooks.for(JobHookKind.Failed, job.name) : [];
      if (hooks.length === 0) continue;
      const ctx = buildJobContext(this, job, new AbortController().signal, undefined, {}, []);
      for (const hook of hooks) {
        try {
          await hook.fn(ctx, job.error);
        } catch (err) {
          this.onHookError(`hook ${hook.source} failed for job ${job.id}: ${(err as Error)?.message ?? String(err)}`);
        }
      }
    }
  }

  /**
   * The attempt's outcome, or the abort's (timeout, cancel, lease lost, shutdown) as soon as it
   * comes, even if the handler ignores the signal; its late result is then dropped.
   */
  private executeAttempt(
    job: ClaimedJob,
    controller: AbortController,
    exposeCtx: (ctx: JobContext) => void,
  ): Promise<RunOutcome> {
    const signal = controller.signal;
    if (signal.aborted) return Promise.resolve(this.failure(signal.reason));
    return new Promise<RunOutcome>((resolve) => {
      let settled = false;
      const timer = job.timeoutMs
        ? setTimeout(
            () =>
              controller.abort(
                new JobTimeoutError(
                  `Job ${job.id} ('${job.name}') ran longer than its timeoutMs of ${job.timeoutMs} ms`,
                ),
              ),
            job.timeoutMs,
          )
        : undefined;
      const settle = (outcome: RunOutcome) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = () => settle(this.failure(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      this.attempt(job, signal, exposeCtx).then(settle, (err: unknown) => settle(this.failure(err)));
    });
  }

  private failure(err: unknown): RunOutcome {
    if (err instanceof SnoozeJob) return { kind: 'snoozed', delayMs: err.delayMs };
    const error = describeError(err);
    if (err instanceof JobCancelledError) return { kind: 'aborted', reason: 'cancelled', error };
    if (err instanceof LeaseLostError) return { kind: 'aborted', reason: 'lease-lost', error };
    if (err instanceof ConsumerShutdownError) return { kind: 'aborted', reason: 'shutdown', error };
    return {
      kind: 'failed',
      error,
      timeout: err instanceof JobTimeoutError,
      permanent: err instanceof InvalidJobInputError || isUnrecoverable(err),
    };
  }

  private async attempt(
    job: ClaimedJob,
    signal: AbortSignal,
    exposeCtx: (ctx: JobContext) => void,
  ): Promise<RunOutcome> {
    const registered = this.registry.get(job.name);
    const step = job.pipelineId ? await this.steps.load(job) : undefined;
    let input: unknown = job.input;
    if (step && input === null && step.declared.length > 0) {
      input =
        step.declared.length === 1
          ? step.declared[0]!.output
          : Object.fromEntries(step.declaredSteps.map((s, i) => [s, step.declared[i]!.output]));
    }
    if (registered.options.input) input = await validateInput(job.name, registered.options.input, input);
    const spawned: CheckedSpawn[] = [];
    // A JSON copy (the workspace is JSON), made with this realm's own objects.
    const workspace: Record<string, Json> = step ? JSON.parse(JSON.stringify(step.workspace)) : {};
    const ctx = buildJobContext(this, job, signal, step, workspace, spawned);
    exposeCtx(ctx);
    for (const hook of this.hooks.for(JobHookKind.Before, job.name)) await hook.fn(input, ctx);
    const result = await registered.handler(input, ctx);
    return completedOutcome(this, job, result, workspace, spawned, step);
  }
}
