import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import { JobTimeoutError } from '../errors/job-timeout.error.js';
import { LeaseLostError } from '../errors/lease-lost.error.js';
import { ConsumerShutdownError } from '../errors/shutdown.error.js';
import { InvalidJobInputError } from '../errors/invalid-input.error.js';
import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { UnknownJobError } from '../errors/unknown-job.error.js';
import { InvalidPipelineError } from '../errors/invalid-pipeline.error.js';
import type { JobRegistry } from '../discovery/job.registry.js';
import type { JobHooksRegistry, RegisteredHook } from '../discovery/job-hooks.registry.js';
import { JobHookKind } from '../decorators/job-hooks.decorator.js';
import type { JobContext, JobErrorInfo, SpawnRequest } from '../interfaces/job-context.js';
import type { ClaimedJob } from '../persistence/row.mapper.js';
import type { Json } from '../interfaces/job-types.js';
import type { JobStore } from '../persistence/job.store.js';
import { insertEdges, addBlocking, selectEdgesFrom, selectTakenSteps, lockPipeline } from '../persistence/statements/dependencies.sql.js';
import { StepContextLoader } from '../pipeline/step-context.loader.js';
import { mergeWorkspace, type WorkspacePatch } from '../persistence/merge-workspace.js';
import { updateProgress } from '../persistence/statements/read-jobs.sql.js';
import { type Dialect, type Executor, run } from '../persistence/sql.util.js';
import type { JobRowFactory } from '../queue/job-row.factory.js';
import type { NewJobRow } from '../persistence/statements/insert-jobs.sql.js';
import { validateInput } from '../queue/input.validator.js';
import { toJson } from '../queue/json.util.js';
import { assertJobName, assertRunOptions } from '../queue/options.validator.js';
import { MAX_JOB_NAME_LENGTH } from '../jobs.constants.js';
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
    private readonly limits: { maxPayloadBytes: number; maxBatchSize: number },
    private readonly hooks: JobHooksRegistry,
    private readonly onHookError: (message: string) => void,
    private readonly onWarning: (message: string) => void = onHookError,
  ) {}

  private get maxPayloadBytes(): number {
    return this.limits.maxPayloadBytes;
  }

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

  async execute(job: ClaimedJob, controller: AbortController): Promise<RunOutcome> {
    let ctx: JobContext | undefined;
    const outcome = await this.executeAttempt(job, controller, (c) => (ctx = c));
    if (ctx) await this.afterHooks(job, ctx, outcome);
    return outcome;
  }

  /** @AfterJob hooks after every attempt, @OnJobFailed when it was the last; their errors are logged only. */
  private async afterHooks(job: ClaimedJob, ctx: JobContext, outcome: RunOutcome): Promise<void> {
    const after = this.hooks.for(JobHookKind.After, job.name);
    const lastFailure = outcome.kind === 'failed' && (outcome.permanent || job.attempts >= job.maxAttempts);
    const failed = lastFailure ? this.hooks.for(JobHookKind.Failed, job.name) : [];
    if (after.length === 0 && failed.length === 0) return;
    const error = outcome.kind === 'completed' ? undefined : outcome.error;
    const output = outcome.kind === 'completed' && after.length ? JSON.parse(outcome.output) : undefined;
    const calls: [RegisteredHook, unknown[]][] = [
      ...after.map((h): [RegisteredHook, unknown[]] => [h, [ctx, { error, output }]]),
      ...failed.map((h): [RegisteredHook, unknown[]] => [h, [ctx, (outcome as { error: unknown }).error]]),
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
   * The attempt's outcome, or the abort's (timeout, cancel, lease lost, shutdown) as soon as it
   * comes, even if the handler ignores the signal; its late result is then dropped.
   */
  private executeAttempt(job: ClaimedJob, controller: AbortController, exposeCtx: (ctx: JobContext) => void): Promise<RunOutcome> {
    const signal = controller.signal;
    if (signal.aborted) return Promise.resolve(this.failure(signal.reason));
    return new Promise<RunOutcome>((resolve) => {
      let settled = false;
      const timer = job.timeoutMs
        ? setTimeout(
            () => controller.abort(new JobTimeoutError(`Job ${job.id} ('${job.name}') ran longer than its timeoutMs of ${job.timeoutMs} ms`)),
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
    const error = describeError(err);
    if (err instanceof JobCancelledError) return { kind: 'aborted', reason: 'cancelled', error };
    if (err instanceof LeaseLostError) return { kind: 'aborted', reason: 'lease-lost', error };
    if (err instanceof ConsumerShutdownError) return { kind: 'aborted', reason: 'shutdown', error };
    return { kind: 'failed', error, timeout: err instanceof JobTimeoutError, permanent: err instanceof InvalidJobInputError };
  }

  private async attempt(job: ClaimedJob, signal: AbortSignal, exposeCtx: (ctx: JobContext) => void): Promise<RunOutcome> {
    const registered = this.registry.get(job.name);
    const step = job.pipelineId ? await this.steps.load(job) : undefined;
    let input: unknown = job.input;
    if (step && input === null && step.declared.length > 0) {
      input = step.declared.length === 1 ? step.declared[0]!.output : Object.fromEntries(step.declaredSteps.map((s, i) => [s, step.declared[i]!.output]));
    }
    if (registered.options.input) input = await validateInput(job.name, registered.options.input, input);

    const spawned: CheckedSpawn[] = [];
    // Keys a spawned child may not take: this step's own, its dependencies' (declared ones and the
    // children they spawned), and the keys spawned so far in this attempt. The rest of the
    // pipeline's keys are checked against the database once the handler returns.
    let taken: Set<string> | undefined;
    // A JSON copy (the workspace is JSON), made with this realm's own objects.
    const workspace: Record<string, Json> = step ? JSON.parse(JSON.stringify(step.workspace)) : {};
    const orm = this.orm;
    let em: EntityManager | undefined;
    const ctx: JobContext = {
      jobId: job.id,
      name: job.name,
      queue: job.queue,
      attempt: job.attempts,
      maxAttempts: job.maxAttempts,
      signal,
      // Forked on first use: a fork per job was 14% of a consumer's CPU on no-op jobs (cpu profile,
      // bench noop-drain). From the global EntityManager, as it was forked before the handler ran, not
      // from whatever RequestContext the handler is in when it first reads ctx.em.
      get em() {
        return (em ??= orm.em.fork({ disableContextResolution: true }));
      },
      pipelineId: job.pipelineId,
      step: job.step,
      dependencies: step?.dependencies ?? {},
      childOutputs: (s) => step?.children.get(s) ?? [],
      workspace,
      spawn: (children) => {
        // All or nothing: a call with one bad child adds none of them.
        taken ??= new Set<string>([...(job.step !== null ? [job.step] : []), ...Object.keys(step?.dependencies ?? {})]);
        spawned.push(...this.checkSpawn(job, Array.isArray(children) ? children : [children], spawned.length, taken));
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
    const patch = step || Object.keys(workspace).length ? workspacePatch(step?.workspace ?? {}, workspace) : null;
    // The workspace the step read plus its patch (what `workspace` now holds): over the limit, the
    // step fails here rather than its merge in the finish transaction, which holds other jobs' results.
    if (patch !== null) toJson(workspace, `Pipeline workspace as step '${job.step ?? job.name}' (job ${job.id}) left it`, this.maxPayloadBytes);
    if (spawned.length === 0 && patch === null) return { kind: 'completed', output };
    if (spawned.length && job.pipelineId) {
      const clash = await run<{ step: string }>(this.store.db, selectTakenSteps(this.store.dialect, job.pipelineId, spawned.map((c) => c.step)));
      if (clash.length) {
        throw new InvalidPipelineError(
          `ctx.spawn() in job ${job.id} ('${job.name}'): step key(s) ${clash.map((c) => `'${c.step}'`).join(', ')} already belong to steps of pipeline ${job.pipelineId}. Give each child a 'step' unique in its pipeline, or leave it out for '<spawner step>[<index>]'.`,
        );
      }
    }
    const childRows = await Promise.all(
      spawned.map((c, i) =>
        this.rows.build(this.store.dialect, i, c.name, c.input, {
          priority: c.priority,
          queue: c.queue,
          maxAttempts: c.maxAttempts,
          timeoutMs: c.timeoutMs,
          pipelineId: job.pipelineId,
          parentId: job.id,
          step: c.step,
        }),
      ),
    );
    return {
      kind: 'completed',
      output,
      apply: async (tx, dialect) => {
        if (childRows.length) {
          if (job.pipelineId) await this.keepStepKeysUnique(tx, dialect, job, childRows);
          const children = await this.store.insert(tx, childRows);
          const edges = await run<{ job_id: unknown; policy: string }>(tx, selectEdgesFrom(dialect, job.id));
          if (edges.length) {
            await run(tx, insertEdges(dialect, edges.flatMap((e) =>
              children.map((c) => ({ job_id: String(e.job_id), depends_on_id: c.id, policy: e.policy, via_id: job.id })))));
            await run(tx, addBlocking(dialect, edges.map((e) => ({ id: String(e.job_id), n: children.length }))));
          }
        }
        if (patch !== null && job.pipelineId) {
          const merged = await mergeWorkspace(tx, dialect, job.pipelineId, patch, this.maxPayloadBytes);
          if (merged?.overLimit) {
            this.onWarning(
              `pipeline ${job.pipelineId}: its workspace is ${merged.bytes} bytes of JSON after step '${job.step}' (job ${job.id}) merged its keys, over the limit of ${this.maxPayloadBytes} (option maxPayloadBytes; steps running side by side added keys). Kept as written; the next step that changes it and leaves it over the limit fails.`,
            );
          }
        }
      },
    };
  }

  /**
   * Checks children given to `ctx.spawn()` when it is called, so a bad one fails the attempt like
   * any handler error (never the finish transaction, where it would roll back other jobs' results):
   * the job name and its handler, the options and no unknown field, the step key (length, unique
   * among `taken`), a JSON input within maxPayloadBytes, and at most maxBatchSize children per
   * attempt. The input is copied as it is now (later changes by the handler are not seen). A DTO
   * (`@Job({ input })`) is async, so it is checked when the handler returns (InvalidJobInputError).
   */
  private checkSpawn(job: ClaimedJob, children: SpawnRequest[], already: number, taken: Set<string>): CheckedSpawn[] {
    const where = `ctx.spawn() in job ${job.id} ('${job.name}')`;
    if (already + children.length > this.limits.maxBatchSize) {
      throw new InvalidPipelineError(
        `${where}: ${already + children.length} children in one attempt; the limit is ${this.limits.maxBatchSize} (option maxBatchSize). Spawn fewer, larger children, or spawn from the children.`,
      );
    }
    const keys = new Set<string>();
    const checked = children.map((child, k) => {
      const i = already + k;
      if (child === null || typeof child !== 'object' || Array.isArray(child)) {
        throw new InvalidJobOptionsError(`${where}: child ${i} must be an object like { name, input }; got ${child === null ? 'null' : Array.isArray(child) ? 'an array' : typeof child}.`);
      }
      const unknown = Object.keys(child).filter((f) => !SPAWN_FIELDS.has(f));
      if (unknown.length) {
        throw new InvalidJobOptionsError(`${where}: child ${i} has unknown field(s) ${unknown.join(', ')}; a spawned child takes ${[...SPAWN_FIELDS].join(', ')}.`);
      }
      assertJobName(child.name, `${where}, child ${i}`);
      try {
        this.registry.get(child.name);
      } catch (err) {
        throw new UnknownJobError(`${where}, child ${i}: ${(err as Error).message}`, { cause: err });
      }
      const { name, input, step, ...options } = child;
      try {
        assertRunOptions(options);
      } catch (err) {
        throw new InvalidJobOptionsError(`${where}, child ${i} ('${name}'): ${(err as Error).message}`, { cause: err });
      }
      if (step !== undefined && typeof step !== 'string') {
        throw new InvalidJobOptionsError(`${where}, child ${i} ('${name}'): option 'step' must be a string; got ${typeof step}.`);
      }
      const key = step ?? `${job.step ?? job.name}[${i}]`;
      if (key.length === 0 || key.length > MAX_JOB_NAME_LENGTH) {
        throw new InvalidPipelineError(
          `${where}, child ${i} ('${name}'): step key '${key.length > 60 ? `${key.slice(0, 60)}...` : key}' is ${key.length} characters; a step key is 1 to ${MAX_JOB_NAME_LENGTH}.${step === undefined ? " It was derived as '<spawner step>[<index>]': give the child a shorter 'step'." : ''}`,
        );
      }
      if (taken.has(key) || keys.has(key)) {
        throw new InvalidPipelineError(
          `${where}, child ${i} ('${name}'): step key '${key}' is already used in this pipeline (${taken.has(key) ? 'by this step, one of its dependencies, or a child spawned earlier in this attempt' : 'by another child of this call'}). Step keys must be unique in a pipeline.`,
        );
      }
      keys.add(key);
      const json = toJson(input === undefined ? null : input, `${where}, input of child ${i} ('${name}')`, this.maxPayloadBytes);
      return { ...options, name, step: key, input: JSON.parse(json) as Json };
    });
    for (const key of keys) taken.add(key);
    return checked;
  }

  /**
   * The last guard against a step key used twice in a pipeline, in the finish transaction: the
   * check after the handler ran outside it, so another consumer may have spawned the same explicit
   * key meanwhile. The pipeline row is locked (PostgreSQL FOR UPDATE; SQLite's write lock is held
   * already), so spawning steps of one pipeline pass here one at a time, and a child whose key is
   * taken by then is inserted without one (keyed by its job id, like in `getPipeline().steps` and
   * `ctx.dependencies`) instead of failing the transaction and the other results in it.
   */
  private async keepStepKeysUnique(tx: Executor, dialect: Dialect, job: ClaimedJob, rows: NewJobRow[]): Promise<void> {
    await run(tx, lockPipeline(dialect, job.pipelineId!));
    const keys = rows.map((r) => r.step).filter((k): k is string => k !== null);
    if (keys.length === 0) return;
    const clash = new Set((await run<{ step: string }>(tx, selectTakenSteps(dialect, job.pipelineId!, keys))).map((r) => r.step));
    if (clash.size === 0) return;
    for (const r of rows) if (r.step !== null && clash.has(r.step)) r.step = null;
    this.onWarning(
      `job ${job.id} ('${job.name}'): step key(s) ${[...clash].map((k) => `'${k}'`).join(', ')} were taken in pipeline ${job.pipelineId} while it ran; its children with those keys were created without a key (keyed by their job id).`,
    );
  }
}

/** What a spawned child may say (the fields of `SpawnRequest`). */
const SPAWN_FIELDS = new Set(['name', 'input', 'step', 'priority', 'queue', 'maxAttempts', 'timeoutMs']);

/** A child checked by `ctx.spawn()`: its step key decided, its input a JSON copy. */
type CheckedSpawn = Omit<SpawnRequest, 'step' | 'input'> & { step: string; input: Json };

/** The top-level keys a step changed or deleted in its workspace, or null when it changed none. */
function workspacePatch(before: Record<string, Json>, after: Record<string, Json>): WorkspacePatch | null {
  const set: Record<string, Json> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(after[key]) !== JSON.stringify(before[key])) set[key] = after[key]!;
  }
  const unset = Object.keys(before).filter((key) => !(key in after));
  if (Object.keys(set).length === 0 && unset.length === 0) return null;
  return { set, unset };
}
