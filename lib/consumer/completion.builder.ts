import { InvalidPipelineError } from '../errors/invalid-pipeline.error.js';
import type { Json } from '../interfaces/job-types.js';
import type { JobStore } from '../persistence/job.store.js';
import type { ClaimedJob, WorkspacePatch } from '../persistence/store.types.js';
import type { StepContext } from '../pipeline/step-context.loader.js';
import type { JobRowFactory } from '../queue/job-row.factory.js';
import { toJson } from '../validation/json.util.js';
import type { RunOutcome } from './run-outcome.js';
import type { CheckedSpawn } from './spawn.checker.js';
import { stampTraceContext } from '../telemetry/tracing.js';

/**
 * A completed attempt's outcome: its output and, as data, what the store applies with it (the
 * children it spawned, ready to insert, and its workspace changes). Whatever can fail is checked
 * here, so it fails this attempt and never the finish transaction that holds other jobs' results.
 */
export function completedOutcome(
  deps: { store: JobStore; rows: JobRowFactory; limits: { maxPayloadBytes: number } },
  job: ClaimedJob,
  result: unknown,
  /** The handler's copy of the workspace, as it left it, and the children it spawned. */
  workspace: Record<string, Json>,
  spawned: CheckedSpawn[],
  step: StepContext | undefined,
): RunOutcome | Promise<RunOutcome> {
  const output = toJson(
    result === undefined ? null : result,
    `Output of job '${job.name}'`,
    deps.limits.maxPayloadBytes,
  );
  const patch = step || Object.keys(workspace).length ? workspacePatch(step?.workspace ?? {}, workspace) : null;
  // The workspace the step read plus its patch (what `workspace` now holds): over the limit, the
  // step fails here rather than its merge in the finish transaction.
  if (patch !== null)
    toJson(
      workspace,
      `Pipeline workspace as step '${job.step ?? job.name}' (job ${job.id}) left it`,
      deps.limits.maxPayloadBytes,
    );
  // Most jobs end here, without a promise of their own (no await added to the hot path).
  if (spawned.length === 0 && patch === null) return { kind: 'completed', output };
  return withEffects(deps, job, output, spawned, patch);
}

async function withEffects(
  deps: { store: JobStore; rows: JobRowFactory },
  job: ClaimedJob,
  output: string,
  spawned: CheckedSpawn[],
  patch: WorkspacePatch | null,
): Promise<RunOutcome> {
  if (spawned.length && job.pipelineId) {
    const clash = await deps.store.takenSteps(
      job.pipelineId,
      spawned.map((c) => c.step),
    );
    if (clash.length) {
      throw new InvalidPipelineError(
        `ctx.spawn() in job ${job.id} ('${job.name}'): step key(s) ${clash.map((c) => `'${c}'`).join(', ')} already belong to steps of pipeline ${job.pipelineId}. Give each child a 'step' unique in its pipeline, or leave it out for '<spawner step>[<index>]'.`,
      );
    }
  }
  // Async per child: a child failing its checks at once must reject, not throw out of map() and
  // leave an earlier child's pending DTO check to reject unheard.
  const children = await Promise.all(
    spawned.map(async (c, i) =>
      deps.rows.build(i, c.name, c.input, {
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
  // The children's runs go under this step's run span (active here): spawned work stays in the trace.
  stampTraceContext(children);
  return {
    kind: 'completed',
    output,
    effects: { name: job.name, step: job.step, pipelineId: job.pipelineId, children, workspace: patch },
  };
}

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
