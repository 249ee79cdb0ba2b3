import { JobState } from '../interfaces/job-state.js';
import type { QueueDepth } from '../interfaces/queue-depth.js';

/** One group of `JobStore.queueDepths`: jobs of one queue in one state (pending split by due/scheduled). */
export interface DepthRow {
  queue: string;
  state: string;
  scheduled: boolean;
  n: number;
}

/**
 * Folds the store's groups into `queueDepths()`'s answer: every queue asked for is listed even with no
 * job, and a paused queue (among those asked for) gets `paused: true`.
 */
export function foldQueueDepths(
  rows: readonly DepthRow[],
  paused: readonly string[],
  queues?: readonly string[],
): Record<string, QueueDepth> {
  const depths: Record<string, QueueDepth> = {};
  const of = (queue: string) => (depths[queue] ??= { pending: 0, due: 0, scheduled: 0, running: 0, blocked: 0 });
  for (const queue of queues ?? []) of(queue);
  for (const r of rows) {
    const depth = of(r.queue);
    if (r.state === JobState.Pending) {
      depth.pending += r.n;
      depth[r.scheduled ? 'scheduled' : 'due'] += r.n;
    } else {
      depth[r.state as 'running' | 'blocked'] += r.n;
    }
  }
  for (const queue of paused) if (!queues || queues.includes(queue)) of(queue).paused = true;
  return depths;
}
