import type { JobStore } from '../persistence/job.store.js';

/** How far a bulk retry or purge is: `total` is counted before it starts (raised if more turn up). */
export interface BulkProgress {
  done: number;
  total: number;
}

/** Called after each batch of a bulk retry or purge. */
export type OnBulkProgress = (progress: BulkProgress) => void;

/**
 * Adds each batch's count to `done` and reports it; `total` never falls below `done`. An empty batch
 * (the one that ends each state of a purge, or the last of a retry) is not reported: each report
 * after the first has moved on.
 */
function reporter(total: number, onProgress: OnBulkProgress): (n: number) => void {
  let done = 0;
  onProgress({ done, total });
  return (n) => {
    if (n === 0) return;
    done += n;
    onProgress({ done, total: Math.max(total, done) });
  };
}

/** `JobQueue.retry(filter)` with progress: counts the failed jobs first, then reports every batch. */
export async function retryFailedWithProgress(
  store: JobStore,
  filter: { name?: string; queue?: string },
  batchSize: number,
  onProgress: OnBulkProgress,
): Promise<number> {
  const total = await store.control.countRetryable(filter);
  return store.control.retryFailed(filter, batchSize, reporter(total, onProgress));
}

/** `JobQueue.purge` with progress: counts what may go first, then deletes `batchSize` jobs per transaction. */
export async function purgeWithProgress(
  store: JobStore,
  options: { states: readonly string[]; olderThanMs: number; batchSize: number },
  onProgress: OnBulkProgress,
): Promise<number> {
  const total = await store.retention.countPurgeable(options.states, options.olderThanMs);
  return store.retention.purgeInBatches(
    options.states,
    options.olderThanMs,
    options.batchSize,
    reporter(total, onProgress),
  );
}
