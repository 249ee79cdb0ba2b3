import type { ResolvedRetention } from '../interfaces/jobs-module-options.js';
import type { PruneRule, RetentionStore } from '../persistence/retention.store.js';
import type { LoopLogger } from './consumer.types.js';
import { RetentionBoundary } from './retention.boundary.js';

/** Most batches of one kind in one round: a round ends even if jobs finish faster than it deletes them. */
const MAX_BATCHES_PER_ROUND = 1_000;
/**
 * A batch that came back full is followed by one twice as large, up to this many times `batchSize`:
 * a backlog goes in fewer, larger transactions (each costs a round trip, a lock and a commit), while
 * an idle table is still pruned `batchSize` at a time.
 */
const MAX_BATCH_GROWTH = 8;
/** ... and never past this many rows (a large configured `batchSize` is not multiplied). */
const MAX_GROWN_BATCH = 4_000;
/** The pause between rounds while retention is behind (jobs finish faster than one round per interval deletes). */
const CATCH_UP_MS = 100;

/**
 * Retention in a consumer: every `intervalMs` (first after a random part of it, so consumers
 * started together do not all try at once), deletes finished jobs past their state's rule in
 * batches of `batchSize`, each batch its own short transaction, and then whole finished pipelines.
 * A batch that another process is pruning at that moment ends the round (one pruner at a time). Runs
 * on its own timer, never on the claim or finish path; a failed round is logged and tried again at
 * the next.
 */
export class RetentionPruner {
  private timer: NodeJS.Timeout | undefined;
  private pruning: Promise<void> | undefined;
  private stopped = false;
  /** The `maxCount` boundary of each state, kept between rounds. */
  private readonly boundaries = new Map<string, RetentionBoundary>();

  constructor(
    private readonly retention: ResolvedRetention,
    private readonly store: Pick<RetentionStore, 'pruneBatch' | 'pruneBoundary' | 'finishedSince'>,
    private readonly logger: LoopLogger,
  ) {}

  start(): void {
    const schedule = (ms: number) => {
      this.timer = setTimeout(() => {
        let deleted: number | undefined;
        this.pruning = this.round()
          .then((n) => void (deleted = n))
          .finally(() => {
            this.pruning = undefined;
            // Behind (the round deleted a full batch or more): the next round soon, not after a whole interval.
            const behind = (deleted ?? 0) >= this.retention.batchSize;
            if (!this.stopped)
              schedule(behind ? Math.min(CATCH_UP_MS, this.retention.intervalMs) : this.retention.intervalMs);
          });
      }, ms);
      this.timer.unref?.();
    };
    schedule(Math.floor(Math.random() * this.retention.intervalMs));
  }

  /** Stops the timer and waits for a round under way (it ends after its current batch). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pruning;
  }

  private boundaryOf(state: string, keepLast: number): RetentionBoundary {
    let b = this.boundaries.get(state);
    if (!b) this.boundaries.set(state, (b = new RetentionBoundary(this.store, state, keepLast)));
    return b;
  }

  /** Deletes batches of jobs past `rule` until one comes back short; undefined when another process was pruning. */
  private async pruneRule(rule: PruneRule, batchSize: number): Promise<number | undefined> {
    let deleted = 0;
    let size = batchSize;
    const largest = Math.max(batchSize, Math.min(batchSize * MAX_BATCH_GROWTH, MAX_GROWN_BATCH));
    for (let i = 0; i < MAX_BATCHES_PER_ROUND && !this.stopped; i++) {
      const n = await this.store.pruneBatch({ rule }, size);
      if (n === undefined) return undefined;
      deleted += n;
      if (n < size) break;
      size = Math.min(size * 2, largest);
    }
    return deleted;
  }

  /** One round; returns how many jobs it deleted, or undefined when another process was pruning. */
  async round(): Promise<number | undefined> {
    const { rules, batchSize } = this.retention;
    let deleted = 0;
    try {
      for (const given of rules) {
        // maxCount as a boundary, once per round (see RetentionBoundary).
        const before =
          given.keepLast === undefined ? undefined : await this.boundaryOf(given.state, given.keepLast).next();
        // Each limit on its own: alone, each bounds the finished index's scan (see prunableJobs).
        const parts = [
          given.olderThanMs === undefined ? undefined : { state: given.state, olderThanMs: given.olderThanMs },
          before && { state: given.state, before },
        ];
        for (const rule of parts) {
          if (!rule) continue;
          const n = await this.pruneRule(rule, batchSize);
          if (n === undefined) return undefined;
          deleted += n;
        }
      }
      for (let i = 0; i < MAX_BATCHES_PER_ROUND && !this.stopped; i++) {
        // Pipelines are larger units: a tenth of a batch of them at a time.
        const n = await this.store.pruneBatch({ pipelines: rules }, Math.max(1, Math.floor(batchSize / 10)));
        if (n === undefined) return undefined;
        deleted += n;
        if (n === 0) break;
      }
    } catch (err) {
      this.logger.warn(
        `retention: pruning failed (${(err as Error).message}); trying again in ${this.retention.intervalMs} ms`,
      );
    }
    return deleted;
  }
}
