import type { MikroORM, EntityManager } from '@mikro-orm/core';
import type { JobRegistry } from '../discovery/job.registry.js';
import type { JobContext } from '../interfaces/job-context.js';
import type { Json } from '../interfaces/job-types.js';
import type { JobStore } from '../persistence/job.store.js';
import type { ClaimedJob } from '../persistence/store.types.js';
import type { StepContext } from '../pipeline/step-context.loader.js';
import { toJson } from '../validation/json.util.js';
import { SnoozeJob } from '../errors/snooze-job.error.js';
import { checkSpawn, type CheckedSpawn } from './spawn.checker.js';

/**
 * Builds `ctx` for one attempt: forked EntityManager on first use, signal, dependencies, the
 * handler's copy of the pipeline's workspace (`workspace`, changed in place by the handler),
 * progress, and spawn, which checks children and adds them to `spawned`.
 */
export function buildJobContext(
  deps: {
    orm: MikroORM;
    store: JobStore;
    registry: JobRegistry;
    limits: { maxPayloadBytes: number; maxBatchSize: number };
    /** Told each progress note once written (`JobEvents.Progress`). */
    onProgress?: (job: ClaimedJob, message: string, details: Json | null) => void;
  },
  job: ClaimedJob,
  signal: AbortSignal,
  step: StepContext | undefined,
  workspace: Record<string, Json>,
  spawned: CheckedSpawn[],
): JobContext {
  // Keys a spawned child may not take: this step's own, its dependencies' (declared ones and the
  // children they spawned), and the keys spawned so far in this attempt. The rest of the
  // pipeline's keys are checked against the database once the handler returns.
  let taken: Set<string> | undefined;
  const { orm, store, registry, limits } = deps;
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
      spawned.push(
        ...checkSpawn(registry, limits, job, Array.isArray(children) ? children : [children], spawned.length, taken),
      );
    },
    snooze: (delayMs) => {
      throw new SnoozeJob(delayMs);
    },
    progress: async (message, details) => {
      const text = toJson({ message, details: details ?? null }, `Progress of job ${job.id}`, limits.maxPayloadBytes);
      await store.progress(job.id, text);
      deps.onProgress?.(job, message, (details ?? null) as Json | null);
    },
  };
  return ctx;
}
