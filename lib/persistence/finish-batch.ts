import { applyEffects, type EffectsContext } from './completion-effects.js';
import type { JobsDialect } from './jobs-dialect.js';
import type { Executor } from './sql.util.js';
import type { EndedRow, FinishBatch } from './store.types.js';

/**
 * Writes one consumer's batch inside the store's fenced finish transaction: completions, then what
 * each job that really completed produced (children, workspace changes), then failures, snoozes
 * and releases. Returns the ids whose write took effect, with the state it left (a job missing from
 * them was no longer this consumer's: lease lost), and the rows that changed, for the dependants to settle.
 */
export async function writeFinishBatch(
  d: JobsDialect,
  tx: Executor,
  consumerId: string,
  batch: FinishBatch,
  effects: () => EffectsContext,
): Promise<{ applied: Map<string, string>; ended: EndedRow[] }> {
  const ended: EndedRow[] = [];
  const applied = new Map<string, string>();
  const written = (rows: EndedRow[]) => {
    for (const r of rows) applied.set(String(r.id), r.state);
    ended.push(...rows);
    return rows;
  };
  if (batch.completed.length) {
    const rows = written(await d.complete(tx, consumerId, batch.completed));
    // Effects only of a step that really completed: one whose cancel was requested meanwhile
    // ended `cancelled`, and must not start anything.
    const completed = new Set(rows.filter((r) => r.state === 'completed').map((r) => String(r.id)));
    const toApply = batch.completed.filter((job) => job.effects && completed.has(job.id));
    // Applied in pipeline order: every consumer then locks pipeline rows in the same order, so two
    // batches with steps of the same pipelines cannot deadlock on them.
    const pipelineOf = new Map(rows.map((r) => [String(r.id), Number(r.pipeline_id ?? 0)]));
    toApply.sort((a, b) => pipelineOf.get(a.id)! - pipelineOf.get(b.id)!);
    for (const job of toApply) await applyEffects(effects(), tx, job.id, job.effects!);
  }
  if (batch.failed.length) written(await d.fail(tx, consumerId, batch.failed));
  if (batch.snoozed.length) written(await d.snooze(tx, consumerId, batch.snoozed));
  if (batch.released.length) written(await d.release(tx, consumerId, batch.released));
  return { applied, ended };
}
