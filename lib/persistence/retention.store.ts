import type { Kysely } from 'kysely';
import type { JobsDialect } from './jobs-dialect.js';
import type { Executor } from './sql.util.js';
import type { PruneRule } from './statements/prune.sql.js';

export type { PruneRule };

type Transaction = <T>(fn: (tx: Executor) => Promise<T>) => Promise<T>;

/** The store's intents for deleting finished jobs: `JobQueue.purge` and the consumers' background retention. */
export class RetentionStore {
  constructor(
    private readonly d: JobsDialect,
    private readonly db: Kysely<any>,
    private readonly transaction: Transaction,
  ) {}

  /**
   * `purge` in batches of `batchSize` (one short transaction each: plain jobs state by state, then
   * whole pipelines), calling `onBatch` with how many jobs each deleted; returns how many in all.
   */
  async purgeInBatches(
    states: readonly string[],
    olderThanMs: number,
    batchSize: number,
    onBatch: (deleted: number) => void,
  ): Promise<number> {
    let deleted = 0;
    const step = async (batch: (tx: Executor) => Promise<number>) => {
      const n = await this.transaction(batch);
      deleted += n;
      onBatch(n);
      return n;
    };
    for (const state of states) {
      while ((await step((tx) => this.d.pruneJobs(tx, { state, olderThanMs }, batchSize))) > 0);
    }
    const rules = states.map((state) => ({ state, olderThanMs }));
    while ((await step((tx) => this.d.prunePipelines(tx, rules, batchSize))) > 0);
    return deleted;
  }

  /** How many jobs a purge of these would delete at most (pipeline steps included, though a pipeline goes only whole). */
  countPurgeable(states: readonly string[], olderThanMs: number): Promise<number> {
    return this.d.countJobs(this.db, { states, finishedOverMs: olderThanMs });
  }

  /** Where `keepLast` of a retention rule cuts (see PruneRule.before), read afresh or moved on from the last (`advance`). */
  pruneBoundary(
    state: string,
    keepLast: number,
    advance?: { from: { finishedAt: unknown; id: string }; skip: number },
  ) {
    return this.d.pruneBoundary(this.db, state, keepLast, advance);
  }

  /** Plain jobs of `state` finished at or after each time of `since`, and the newest finish (see `JobsDialect.finishedSince`). */
  finishedSince(state: string, since: readonly unknown[]) {
    return this.d.finishedSince(this.db, state, since);
  }

  /** Deletes jobs finished over `olderThanMs` ago in these states, and pipelines whose every step is one (whole), 500 per transaction; returns how many jobs. */
  async purge(states: readonly string[], olderThanMs: number): Promise<number> {
    let deleted = await this.d.purge(this.db, states, olderThanMs);
    const rules = states.map((state) => ({ state, olderThanMs }));
    for (let n = 1; n > 0; deleted += n) n = await this.transaction((tx) => this.d.prunePipelines(tx, rules, 500));
    return deleted;
  }

  /** One batch of retention, in its own short transaction (plain jobs or whole pipelines); undefined when another process prunes now. */
  pruneBatch(
    what: { rule: PruneRule } | { pipelines: readonly PruneRule[] },
    limit: number,
  ): Promise<number | undefined> {
    return this.transaction(async (tx) => {
      if (!(await this.d.tryPrunerLock(tx))) return undefined;
      return 'rule' in what ? this.d.pruneJobs(tx, what.rule, limit) : this.d.prunePipelines(tx, what.pipelines, limit);
    });
  }
}
