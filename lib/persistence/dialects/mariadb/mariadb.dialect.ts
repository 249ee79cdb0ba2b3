import { CompiledQuery, type Kysely } from 'kysely';
import { JobsConfigurationError } from '../../../errors/configuration.error.js';
import type { JobRow, Listener } from '../../jobs-dialect.js';
import { run, type Executor } from '../../sql.util.js';
import type {
  ClaimFilter,
  CompletedJob,
  EndedRow,
  FailedJob,
  InsertedRow,
  ClaimUnit,
  NewJobRow,
  ReopenedRow,
  SnoozedJob,
} from '../../store.types.js';
import type { PruneRule } from '../../statements/prune.sql.js';
import { SharedSqlDialect } from '../../statements/shared-sql.dialect.js';
import { mariadbSchemaSql } from './mariadb.schema.js';
import * as control from './mariadb.job-control.js';
import * as sql from './mariadb.statements.js';
import * as limits from './mariadb.limits-statements.js';
import * as fenced from './mariadb.fenced-writes.js';
import { truthy } from './mariadb.fenced-writes.js';
import { MariadbTransactions } from './mariadb.transactions.js';
import { mariadbSyntax } from './mariadb.syntax.js';
import { upsertScheduleOnDuplicate } from '../../statements/schedule.sql.js';
import type { ScheduleRow } from '../../schedule-row.js';

/**
 * MariaDB (10.6+): row locks with `FOR UPDATE SKIP LOCKED`, `datetime(3)` columns holding UTC, JSON
 * as text. No `UPDATE ... RETURNING`: a write that reports its rows locks them with a SELECT first,
 * in the same transaction (`mariadb.statements.ts`). No notifications: other processes' consumers
 * find new jobs at their next poll; consumers of this process are woken at once by the queue.
 * InnoDB resolves lock cycles by rolling a transaction back: `transaction` runs it again.
 */
export class MariadbDialect extends SharedSqlDialect {
  readonly name = 'mariadb' as const;
  readonly oneConnection = false;
  readonly notifies = false;
  private readonly transactions = new MariadbTransactions();

  constructor() {
    super(mariadbSyntax);
  }

  /** Whether the server is MariaDB 10.6 or later; checked once, at the first insert or claim. */
  private server?: Promise<void>;

  /**
   * Nothing at start: a query here would leave a pooled connection open in an application whose
   * boot then fails on something else, and keep its process alive (mysql2 pools hold idle
   * connections; recurring.spec's invalid cron on MariaDB). The server is checked at first use.
   */
  async prepare(): Promise<void> {}

  /** Refuses servers without `SKIP LOCKED` and `JSON_TABLE` (MariaDB 10.6), and MySQL, with a message that says so. */
  private checkServer(ex: Executor): Promise<void> {
    this.server ??= (async () => {
      const { rows } = await ex.executeQuery<{ v: string }>(CompiledQuery.raw('SELECT VERSION() AS v'));
      const version = String(rows[0]?.v ?? '');
      const [major = 0, minor = 0] = version.split(/[.-]/).map(Number);
      if (!/mariadb/i.test(version)) {
        throw new JobsConfigurationError(
          `This MikroORM uses the MariaDB driver, but the server is ${version}, not MariaDB. MySQL has no RETURNING and is not supported: use MariaDB 10.6 or later.`,
        );
      }
      if (major < 10 || (major === 10 && minor < 6)) {
        throw new JobsConfigurationError(
          `The queue needs MariaDB 10.6 or later (FOR UPDATE SKIP LOCKED, JSON_TABLE); this server is ${version}.`,
        );
      }
    })().catch((err: unknown) => {
      // A lost connection is not a verdict on the server: check again next time.
      if (!(err instanceof JobsConfigurationError)) this.server = undefined;
      throw err;
    });
    return this.server;
  }

  /** One transaction, run again when InnoDB rolls it back over a deadlock or lock wait timeout (see `MariadbTransactions`). */
  transaction<T>(db: Kysely<any>, fn: (tx: Executor) => Promise<T>): Promise<T> {
    return this.transactions.run(db, fn);
  }

  /** JSON columns come back as text (MariaDB's `json` is `longtext`). */
  parseJson(value: unknown): any {
    if (value === null || value === undefined) return null;
    return typeof value === 'string' ? JSON.parse(value) : value;
  }

  schema(from: number): string[] {
    return mariadbSchemaSql(from);
  }

  async insertJobs(ex: Executor, rows: readonly NewJobRow[]): Promise<InsertedRow[]> {
    await this.checkServer(ex);
    return run<InsertedRow>(ex, sql.insertJobs(rows));
  }

  /** Locks due jobs (SKIP LOCKED) and marks them running, in one short transaction; returns them as they are now. */
  async claim(db: Kysely<any>, filter: ClaimFilter): Promise<JobRow[]> {
    await this.checkServer(db);
    return this.transaction(db, async (tx) => {
      const rows = await run<JobRow>(tx, sql.selectClaimable(filter, await this.pausedQueues(tx)));
      if (rows.length === 0) return rows;
      await run(
        tx,
        sql.markClaimed(
          rows.map((r) => String(r.id)),
          filter.consumerId,
          filter.leaseMs,
        ),
      );
      return rows.map((r) => ({ ...r, attempts: Number(r.attempts) + 1 }));
    });
  }

  /** One limited claim at a time across processes (a named lock); see `MariadbTransactions.claimLimited`. */
  claimLimited(db: Kysely<any>, filter: ClaimFilter, units: readonly ClaimUnit[]): Promise<JobRow[]> {
    return this.transactions.claimLimited(db, filter, units, (tx) => this.pausedQueues(tx));
  }

  /** A named lock, not waited for, held until this transaction has ended. */
  tryPrunerLock(tx: Executor): Promise<boolean> {
    return this.transactions.tryPrunerLock(tx);
  }

  async setQueuePaused(ex: Executor, queue: string, paused: boolean): Promise<void> {
    await run(ex, limits.setQueuePaused(queue, paused));
  }

  async pausedQueues(ex: Executor): Promise<string[]> {
    return (await run<{ queue: string }>(ex, limits.selectPausedQueues())).map((r) => r.queue);
  }

  /** `INSERT ... ON DUPLICATE KEY UPDATE`: MariaDB has no `ON CONFLICT`. */
  override async saveSchedule(ex: Executor, row: ScheduleRow): Promise<void> {
    await run(ex, upsertScheduleOnDuplicate(mariadbSyntax, row));
  }

  async pruneJobs(tx: Executor, rule: PruneRule, limit: number): Promise<number> {
    return (await run(tx, limits.pruneJobs(rule, limit))).length;
  }

  complete(tx: Executor, consumerId: string, jobs: readonly CompletedJob[]): Promise<EndedRow[]> {
    return fenced.complete(tx, consumerId, jobs);
  }

  fail(tx: Executor, consumerId: string, jobs: readonly FailedJob[]): Promise<EndedRow[]> {
    return fenced.fail(tx, consumerId, jobs);
  }

  snooze(tx: Executor, consumerId: string, jobs: readonly SnoozedJob[]): Promise<EndedRow[]> {
    return fenced.snooze(tx, consumerId, jobs);
  }

  release(tx: Executor, consumerId: string, jobs: readonly { id: string; attempt: number }[]): Promise<EndedRow[]> {
    return fenced.release(tx, consumerId, jobs);
  }

  renewLeases(db: Kysely<any>, consumerId: string, leaseMs: number, jobs: readonly { id: string; attempt: number }[]) {
    return this.transaction(db, (tx) => fenced.renew(tx, consumerId, leaseMs, jobs));
  }

  async rescue(tx: Executor, limit: number): Promise<(EndedRow & { name: string })[]> {
    const rows = await run<{
      id: unknown;
      name: string;
      pipeline_id: unknown;
      attempts: unknown;
      max_attempts: unknown;
      cancel_requested: unknown;
    }>(tx, sql.selectExpired(limit));
    if (rows.length === 0) return [];
    await run(tx, sql.setRescued(rows.map((r) => String(r.id))));
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      pipeline_id: r.pipeline_id,
      state: truthy(r.cancel_requested)
        ? 'cancelled'
        : Number(r.attempts) >= Number(r.max_attempts)
          ? 'failed'
          : 'pending',
    }));
  }

  cancel(tx: Executor, ids: readonly string[]): Promise<EndedRow[]> {
    return this.cancelLocked(tx, sql.lockCancellable(ids));
  }

  cancelPipelineSteps(tx: Executor, pipelineId: string): Promise<EndedRow[]> {
    return this.cancelLocked(tx, sql.lockCancellableSteps(pipelineId));
  }

  private async cancelLocked(tx: Executor, lock: ReturnType<typeof sql.lockCancellable>): Promise<EndedRow[]> {
    const rows = await run<EndedRow>(tx, lock);
    if (rows.length === 0) return [];
    await run(tx, sql.setCancelled(rows.map((r) => String(r.id))));
    return rows.map((r) => ({
      id: r.id,
      pipeline_id: r.pipeline_id,
      state: r.state === 'running' ? 'running' : 'cancelled',
    }));
  }

  // Acting on jobs by hand and the dedup modes: `mariadb.job-control.ts`.
  reopen(tx: Executor, rows: readonly ReopenedRow[]): Promise<EndedRow[]> {
    return control.reopen(tx, rows);
  }

  discard(tx: Executor, id: string, error: string): Promise<EndedRow[]> {
    return control.discard(tx, id, error);
  }

  recentByUniqueKeys(ex: Executor, keys: readonly { key: string; for_ms: number }[]): Promise<JobRow[]> {
    return control.recentByUniqueKeys(ex, keys);
  }

  replaceWaiting(ex: Executor, rows: readonly control.Replacement[]): Promise<{ id: unknown }[]> {
    return control.replaceWaiting(ex, rows);
  }

  async releaseDependantsOf(tx: Executor, ids: readonly string[]): Promise<{ state: string }[]> {
    const rows = await run<{ id: unknown; blocking_deps: unknown; n: unknown }>(tx, sql.lockDependantsOf(ids));
    return this.countOff(
      tx,
      rows.map((r) => ({ id: String(r.id), deps: Number(r.blocking_deps), n: Number(r.n) })),
    );
  }

  async releaseBlocked(
    tx: Executor,
    rows: readonly { id: string; n: number }[],
  ): Promise<{ id: unknown; state: string }[]> {
    if (rows.length === 0) return [];
    const locked = await run<{ id: unknown; blocking_deps: unknown }>(tx, sql.lockBlocked(rows.map((r) => r.id)));
    const n = new Map<string, number>();
    for (const r of rows) if (!n.has(r.id)) n.set(r.id, r.n);
    return this.countOff(
      tx,
      locked.map((r) => ({ id: String(r.id), deps: Number(r.blocking_deps), n: n.get(String(r.id)) ?? 0 })),
    );
  }

  /** Counts `n` off locked blocked jobs; one reaching 0 becomes pending. */
  private async countOff(
    tx: Executor,
    rows: { id: string; deps: number; n: number }[],
  ): Promise<{ id: string; state: string }[]> {
    if (rows.length === 0) return [];
    const next = rows.map((r) => ({ id: r.id, deps: r.deps - r.n, state: r.deps - r.n <= 0 ? 'pending' : 'blocked' }));
    await run(tx, sql.setBlocking(next));
    return next.map((r) => ({ id: r.id, state: r.state }));
  }

  async endBlocked(
    tx: Executor,
    rows: readonly { id: string; state: string; error: string | null }[],
  ): Promise<{ id: unknown; state: string }[]> {
    if (rows.length === 0) return [];
    const locked = new Set(
      (await run<{ id: unknown }>(tx, sql.lockBlocked(rows.map((r) => r.id)))).map((r) => String(r.id)),
    );
    const seen = new Set<string>();
    const ending = rows.filter((r) => locked.has(r.id) && !seen.has(r.id) && seen.add(r.id));
    if (ending.length === 0) return [];
    await run(tx, sql.setEndedBlocked(ending));
    return ending.map((r) => ({ id: r.id, state: r.state }));
  }

  async addBlocking(tx: Executor, rows: readonly { id: string; n: number }[]): Promise<void> {
    if (rows.length) await run(tx, sql.addBlocking(rows));
  }

  async notify(): Promise<void> {}

  async listen(): Promise<Listener> {
    return { close: async () => undefined };
  }
}
