import type { JobRecord } from '../interfaces/job-record.js';
import type { JobsDialect } from './jobs-dialect.js';
import { mergeWorkspace } from './merge-workspace.js';
import type { Executor } from './sql.util.js';
import type { CompletionEffects, NewJobRow } from './store.types.js';

/** What applying effects needs from the store. */
export interface EffectsContext {
  dialect: JobsDialect;
  insert(ex: Executor, rows: NewJobRow[]): Promise<JobRecord[]>;
  maxPayloadBytes: number;
  warn(message: string): void;
}

/**
 * Applies what job `jobId` produced besides its output, in the finish transaction that completed
 * it: its spawned children (wired to the spawner's dependants, which then wait for them too) and
 * its workspace changes.
 */
export async function applyEffects(
  c: EffectsContext,
  tx: Executor,
  jobId: string,
  effects: CompletionEffects,
): Promise<void> {
  const d = c.dialect;
  const { children: rows, pipelineId } = effects;
  if (rows.length) {
    if (pipelineId) await keepStepKeysUnique(c, tx, jobId, effects);
    const children = await c.insert(tx, rows);
    const edges = await d.edgesFrom(tx, jobId);
    if (edges.length) {
      await d.insertEdges(
        tx,
        edges.flatMap((e) =>
          children.map((ch) => ({ job_id: String(e.job_id), depends_on_id: ch.id, policy: e.policy, via_id: jobId })),
        ),
      );
      await d.addBlocking(
        tx,
        edges.map((e) => ({ id: String(e.job_id), n: children.length })),
      );
    }
  }
  if (effects.workspace !== null && pipelineId) {
    const merged = await mergeWorkspace(d, tx, pipelineId, effects.workspace, c.maxPayloadBytes);
    if (merged?.overLimit) {
      c.warn(
        `pipeline ${pipelineId}: its workspace is ${merged.bytes} bytes of JSON after step '${effects.step}' (job ${jobId}) merged its keys, over the limit of ${c.maxPayloadBytes} (option maxPayloadBytes; steps running side by side added keys). Kept as written; the next step that changes it and leaves it over the limit fails.`,
      );
    }
  }
}

/**
 * The last guard against a step key used twice in a pipeline, in the finish transaction: the
 * check after the handler ran outside it, so another consumer may have spawned the same explicit
 * key meanwhile. The pipeline row is locked, so spawning steps of one pipeline pass here one at a
 * time, and a child whose key is taken by then is inserted without one (keyed by its job id, like in
 * `getPipeline().steps` and `ctx.dependencies`) instead of failing the transaction and the other
 * results in it.
 */
async function keepStepKeysUnique(
  c: EffectsContext,
  tx: Executor,
  jobId: string,
  effects: CompletionEffects,
): Promise<void> {
  const pipelineId = effects.pipelineId!;
  await c.dialect.lockPipeline(tx, pipelineId);
  const keys = effects.children.map((r) => r.step).filter((k): k is string => k !== null);
  if (keys.length === 0) return;
  const clash = new Set(await c.dialect.takenSteps(tx, pipelineId, keys));
  if (clash.size === 0) return;
  for (const r of effects.children) if (r.step !== null && clash.has(r.step)) r.step = null;
  c.warn(
    `job ${jobId} ('${effects.name}'): step key(s) ${[...clash].map((k) => `'${k}'`).join(', ')} were taken in pipeline ${pipelineId} while it ran; its children with those keys were created without a key (keyed by their job id).`,
  );
}
