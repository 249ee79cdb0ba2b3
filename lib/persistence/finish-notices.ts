import type { FinishBatch } from './store.types.js';

/**
 * What happened to a job, as other processes hear of it: an attempt a consumer finished (completed,
 * failed, `retrying`: failed with attempts left), or a change by hand that committed (`cancelled`
 * also by `cancel()`/`discard()` of a job that had not started; `retried`: `retry()` made it pending
 * or blocked again).
 */
export type FinishOutcome = 'completed' | 'failed' | 'retrying' | 'cancelled' | 'retried';

/** A job that ended (or, `retried`, was set going again), as the write that did it left it. */
export interface FinishedNotice {
  id: string;
  outcome: FinishOutcome;
  pipelineId: string | null;
}

/** Sent on the consumers' wake-up channel by a process that starts listening for finished jobs. */
export const LISTENER_HELLO = 'finished-listener';

const CODE: Record<FinishOutcome, string> = {
  completed: 'c',
  failed: 'f',
  retrying: 'r',
  cancelled: 'x',
  retried: 'p',
};
const OUTCOME = Object.fromEntries(Object.entries(CODE).map(([k, v]) => [v, k])) as Record<string, FinishOutcome>;

/**
 * Jobs per notification: PostgreSQL refuses payloads of 8,000 bytes or more, and an entry
 * (`["123456789","c","12345"]`) takes about 25.
 */
const PER_PAYLOAD = 200;

/**
 * What a finish batch ended, by the states its writes left (`states`: id to state, for the jobs
 * whose write took effect). Snoozed and released attempts end nothing and are not told; a failure
 * left pending is `retrying`.
 */
export function finishNotices(
  batch: FinishBatch,
  states: ReadonlyMap<string, string>,
  pipelineOf: ReadonlyMap<string, string | null>,
): FinishedNotice[] {
  const out: FinishedNotice[] = [];
  const add = (id: string, outcome: FinishOutcome) => out.push({ id, outcome, pipelineId: pipelineOf.get(id) ?? null });
  for (const { id } of [...batch.completed, ...batch.failed]) {
    const state = states.get(id);
    if (state === 'completed' || state === 'failed' || state === 'cancelled') add(id, state);
    else if (state === 'pending') add(id, 'retrying');
  }
  return out;
}

/** Notification payloads (JSON text): `{"s": source, "j": [[id, code, pipelineId], ...]}`. */
export function encodeNotices(source: string, notices: readonly FinishedNotice[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < notices.length; i += PER_PAYLOAD) {
    const j = notices.slice(i, i + PER_PAYLOAD).map((n) => [n.id, CODE[n.outcome], n.pipelineId]);
    out.push(JSON.stringify({ s: source, j }));
  }
  return out;
}

/** A payload read back; undefined for one this version does not understand. */
export function decodeNotices(payload: string): { source: string; notices: FinishedNotice[] } | undefined {
  try {
    const { s, j } = JSON.parse(payload) as { s: unknown; j: unknown };
    if (typeof s !== 'string' || !Array.isArray(j)) return undefined;
    const notices = j
      .filter((e): e is [string, string, string | null] => Array.isArray(e) && OUTCOME[e[1]] !== undefined)
      .map(([id, code, pipelineId]) => ({ id: String(id), outcome: OUTCOME[code]!, pipelineId: pipelineId ?? null }));
    return { source: s, notices };
  } catch {
    return undefined;
  }
}
