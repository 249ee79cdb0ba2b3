import type { Kysely } from 'kysely';
import type { MikroORM } from '@mikro-orm/core';
import type { Executor } from './sql.util.js';
import type {
  ClaimFilter,
  CompletedJob,
  EndedRow,
  FailedJob,
  InsertedIds,
  InsertedRow,
  ClaimUnit,
  JobFilter,
  NewJobRow,
  ReopenedRow,
  SnoozedJob,
} from './store.types.js';
import type { EdgeRow } from './statements/dependencies.sql.js';
import type { PruneRule } from './statements/prune.sql.js';
import type { JobCount } from './statements/read-jobs.sql.js';
import type { OperatorDialect } from './operator-dialect.js';

/** The databases the queue runs on; the argument of the public `jobsSchemaSql()`. */
export type DatabaseName = 'postgresql' | 'sqlite' | 'mariadb';

/** A `queue_job` row as the driver returns it (snake_case; value types differ per database). */
export type JobRow = Record<string, any>;

/** A LISTEN connection (or nothing, where the database has no notifications). */
export interface Listener {
  close(): Promise<void>;
}

/** Module options a dialect reads at `prepare`. */
export interface DialectSettings {
  /** Hot statements as named prepared statements, where the database has them (module option `preparedStatements`). */
  preparedStatements: boolean;
  /** Claims made while a backlog lasts on a connection of the dialect's own, where it has one (module option `claimSession`). */
  claimSession: boolean;
}

/**
 * Everything the queue asks of one database: one implementation per database, in
 * `dialects/<name>/`, registered in `dialects/index.ts`. `JobStore` holds the one for the ORM it is
 * attached to and is its only caller; it maps rows, applies pipeline rules and orders the calls.
 *
 * The contract, for whoever writes the next dialect:
 * - **Executors.** A method taking `ex` runs on what it is given: the pool, or a transaction of the
 *   store's (`transaction`) or of the user's (`em` in an enqueue). A method taking `db` (the pool)
 *   opens what it needs itself. A method may run several statements (a database without
 *   `UPDATE ... RETURNING` reads the rows first, then updates them) as long as it does so on `ex`,
 *   which is then always a transaction where it matters (the store calls those in `transaction`).
 * - **Locking.** `transaction` must make the writes in it serialise with every other writer of the
 *   same rows: a pipeline row read by `lockPipeline` or `workspaceForUpdate` stays locked until the
 *   transaction ends (`SELECT ... FOR UPDATE`, or a database-wide write lock taken at BEGIN).
 *   `claim` and `rescue` must never hand one row to two callers and should skip rows another
 *   claimer holds rather than wait (`FOR UPDATE SKIP LOCKED`, or a single writer).
 * - **Fencing.** `complete`, `fail`, `snooze`, `release` and `renewLeases` change a row only while it is
 *   `running`, `locked_by` is the given consumer and `attempts` is the given attempt; they return
 *   exactly the rows they changed. A cancel requested meanwhile wins: the row ends `cancelled`.
 * - **Order.** `claim` takes due pending rows in `CLAIM_ORDER_SQL` (priority higher first, then
 *   `run_after`, then id) and returns them in any order (the store sorts). `insertJobs` inserts in
 *   `ord` order, so ids ascend with it, and skips a row whose unique key an unfinished job holds.
 * - **Limits, pauses, retention** (schema version 2). `claim` and `claimLimited` read the paused
 *   queues in their own statement (MariaDB: in their transaction, before the locking read).
 *   `claimLimited` runs one at a time across processes (a lock held to its commit), reading running counts and starts in the statement that claims, with the clock
 *   as it runs. Pruning takes `tryPrunerLock` first in each batch's transaction and skips its round
 *   when another holds it; a pipeline is deleted whole or not at all.
 * - **Times** are the database's clock (`now`), never the process's, except `run_after` given by the user.
 * - **JSON** columns take serialised text; `parseJson` turns what the driver returns into values.
 * - The operators' reads, run-time schedules and monitoring are in `OperatorDialect`.
 */
export interface JobsDialect extends OperatorDialect {
  readonly name: DatabaseName;
  /** One connection for everything (SQLite): a write outside a user's open transaction would wait for it forever. */
  readonly oneConnection: boolean;
  /** Whether `listen` and `notify` do anything. */
  readonly notifies: boolean;

  /**
   * Once at start: per-connection settings (journal mode, timeouts), and what the dialect keeps of
   * `db` (the pool-level executor the store passes for statements outside transactions) and `orm`.
   */
  prepare(db: Kysely<any>, orm: MikroORM, settings: DialectSettings): Promise<void>;
  /** Optional: ends connections of its own (not the pool's) before the application closes the ORM. */
  close?(): Promise<void>;
  /**
   * Runs `fn` in one transaction on one connection, committed when it resolves, rolled back when it
   * throws. `fenced`: the transaction writes fenced rows found by primary key (a dialect may steer
   * its planner to that). A dialect whose database resolves lock conflicts by rolling a transaction
   * back (MariaDB's deadlocks) runs `fn` again from the start, so `fn` keeps its state inside itself
   * and writes only through `tx`.
   */
  transaction<T>(db: Kysely<any>, fn: (tx: Executor) => Promise<T>, fenced?: boolean): Promise<T>;
  /** A JSON column's value as the driver returned it, parsed. */
  parseJson(value: unknown): any;
  /** DDL bringing the tables from schema version `from` to the current one. */
  schema(from: number): string[];

  /** Inserts jobs (see Order); `notify`: wake listeners on commit if a pending job was written. */
  insertJobs(ex: Executor, rows: readonly NewJobRow[], notify: boolean): Promise<InsertedRow[]>;
  /**
   * Optional: `insertJobs` for rows that have no unique key (every row is written), returning their
   * ids in input order and their creation time (every row's `created_at`, the transaction's clock;
   * a row without `run_after` is due then) in one result row. For a driver that pays per returned row.
   */
  insertPlainJobs?(ex: Executor, rows: readonly NewJobRow[], notify: boolean): Promise<InsertedIds>;
  /** Jobs holding these unique keys created less than `for_ms` ago (per key), finished or not, newest first. */
  recentByUniqueKeys(ex: Executor, keys: readonly { key: string; for_ms: number }[]): Promise<JobRow[]>;
  /**
   * The pending job holding each key (at most one: the unique index) gets `input` (JSON text) and
   * `run_after` = `run_after_ms` (epoch ms) or else the database clock + `delay_ms` (0 when null).
   * Keys are distinct. Returns the ids changed; a key held by a running or blocked job changes nothing.
   */
  replaceWaiting(
    ex: Executor,
    rows: readonly { key: string; input: string; run_after_ms: number | null; delay_ms: number | null }[],
  ): Promise<{ id: unknown }[]>;
  /** Unfinished jobs holding these unique keys. */
  selectByUniqueKeys(ex: Executor, keys: readonly string[]): Promise<JobRow[]>;
  /** Claims due jobs (see Order, Locking): `running`, `attempts + 1`, leased to `consumerId` for `leaseMs`; returns `CLAIMED_COLUMNS`. */
  claim(db: Kysely<any>, filter: ClaimFilter): Promise<JobRow[]>;
  /**
   * `claim` for jobs under limits, unit by unit (`filter.names` is ignored; each unit names its
   * names and its queue, see `ClaimUnit`), up to `filter.limit` jobs in all, in one transaction that
   * no other `claimLimited` overlaps with (PostgreSQL: `pg_advisory_xact_lock` first; SQLite: the
   * write lock of `BEGIN IMMEDIATE`; MariaDB: `GET_LOCK` taken before `BEGIN`, released after the
   * transaction ends), so the counts it reads stay true until it commits: per limited name or queue
   * at most `maxRunning` running and at most `rateMax` rows in `queue_job_start` (of its scope)
   * newer than `ratePerMs` (it deletes older ones and inserts one per job it claims, stamped with
   * the clock as the statement runs); per name at most `perKey` running per `concurrency_key`.
   * Skips paused queues like `claim`; a job held back stays pending and the jobs behind it are
   * still claimed.
   */
  claimLimited(db: Kysely<any>, filter: ClaimFilter, units: readonly ClaimUnit[]): Promise<JobRow[]>;
  /** Fenced: `completed` with its output (or `cancelled`). */
  complete(tx: Executor, consumerId: string, jobs: readonly CompletedJob[]): Promise<EndedRow[]>;
  /** Fenced: `pending` again after `delay_ms`, or `failed` when `final`; appends the attempt's log entry. */
  fail(tx: Executor, consumerId: string, jobs: readonly FailedJob[]): Promise<EndedRow[]>;
  /**
   * Fenced: `pending` again, due `delay_ms` after the database clock, with the attempt given back
   * (`attempts - 1`); appends the `log` entry with `at` set to the database clock. A cancel
   * requested meanwhile wins (the row ends `cancelled`, attempts kept). Returns the rows changed.
   */
  snooze(tx: Executor, consumerId: string, jobs: readonly SnoozedJob[]): Promise<EndedRow[]>;
  /** Fenced: `pending` again at once with the attempt given back (shutdown). */
  release(tx: Executor, consumerId: string, jobs: readonly { id: string; attempt: number }[]): Promise<EndedRow[]>;
  /** Fenced, in its own transaction: extends leases; returns the rows still held and whether a cancel was requested. */
  renewLeases(
    db: Kysely<any>,
    consumerId: string,
    leaseMs: number,
    jobs: readonly { id: string; attempt: number }[],
  ): Promise<{ id: unknown; cancel_requested: unknown }[]>;
  /** Running jobs whose lease lapsed (oldest first, at most `limit`): pending again, or failed with no attempts left; logs the lost attempt. */
  rescue(tx: Executor, limit: number): Promise<(EndedRow & { name: string })[]>;
  /** Unstarted jobs end `cancelled`; running ones get `cancel_requested`. Returns the rows changed. */
  cancel(tx: Executor, ids: readonly string[]): Promise<EndedRow[]>;
  /** `cancel` for a pipeline's unfinished steps; a running step already asked is not returned again. */
  cancelPipelineSteps(tx: Executor, pipelineId: string): Promise<EndedRow[]>;

  /** Edges leaving these jobs, with the state and step each dependency ended with. */
  dependantsOf(
    tx: Executor,
    ids: readonly string[],
  ): Promise<{ job_id: unknown; depends_on_id: unknown; policy: string; dep_state: string; dep_step: string | null }[]>;
  /** Every job in `ids` completed: blocked dependants count their edges from them off, pending at 0. Returns their new states. */
  releaseDependantsOf(tx: Executor, ids: readonly string[]): Promise<{ state: string }[]>;
  /** Blocked jobs count `n` off, pending at 0 (`run_after` brought up to now). */
  releaseBlocked(tx: Executor, rows: readonly { id: string; n: number }[]): Promise<{ id: unknown; state: string }[]>;
  /** Blocked jobs end in `state` with `error`, without running. */
  endBlocked(
    tx: Executor,
    rows: readonly { id: string; state: string; error: string | null }[],
  ): Promise<{ id: unknown; state: string }[]>;
  insertEdges(ex: Executor, edges: readonly EdgeRow[]): Promise<void>;
  /** The edges into `spawnerId`'s dependants. */
  edgesFrom(tx: Executor, spawnerId: string): Promise<{ job_id: unknown; policy: string }[]>;
  /** Blocked jobs wait for `n` more dependencies. */
  addBlocking(tx: Executor, rows: readonly { id: string; n: number }[]): Promise<void>;
  /** Locks a pipeline's row until the transaction ends (see Locking). */
  lockPipeline(tx: Executor, pipelineId: string): Promise<void>;
  /** Which of `steps` are keys of steps of the pipeline already. */
  takenSteps(ex: Executor, pipelineId: string, steps: readonly string[]): Promise<string[]>;
  insertPipeline(ex: Executor, name: string | null, workspace: string): Promise<Record<string, unknown>>;
  /** The pipeline's workspace, its row locked until the transaction ends; undefined when it is gone. */
  workspaceForUpdate(tx: Executor, pipelineId: string): Promise<{ workspace: unknown } | undefined>;
  updateWorkspace(tx: Executor, pipelineId: string, workspace: string): Promise<void>;

  jobs(ex: Executor, ids: readonly string[]): Promise<JobRow[]>;
  /** Jobs matching `filter`, in id order (the testing helpers' reads). */
  findJobs(ex: Executor, filter: JobFilter): Promise<JobRow[]>;
  pipeline(ex: Executor, id: string): Promise<Record<string, unknown> | undefined>;
  /** A pipeline's steps, by id. */
  pipelineJobs(ex: Executor, id: string): Promise<JobRow[]>;
  /** A pipeline's edges: dependant (`job_id`), dependency and policy. */
  pipelineEdges(ex: Executor, id: string): Promise<{ job_id: unknown; depends_on_id: unknown; policy: string }[]>;
  /** A pipeline's steps (`id`, `state`, `attempts`, `error`), each row locked until the transaction ends (see Locking). */
  lockPipelineSteps(tx: Executor, pipelineId: string): Promise<JobRow[]>;
  /** Finished dependencies of these jobs (`via_id` set on children a dependency spawned), by job id then dependency id. */
  dependencyResults(ex: Executor, jobIds: readonly string[]): Promise<Record<string, any>[]>;
  workspaces(ex: Executor, pipelineIds: readonly string[]): Promise<{ id: unknown; workspace: unknown }[]>;
  /** A running job's progress note (not fenced). */
  progress(ex: Executor, id: string, progress: string): Promise<void>;
  /**
   * Sets finished jobs going again (`JobQueue.retry`): `state` and `blocking_deps` as given,
   * `attempts` 0, output, error, progress, `started_at` and `finished_at` cleared, lease and cancel
   * flag cleared, `run_after` now; appends `log` to `attempt_log` with `at` set to the database clock.
   * Only rows still in state `from`; returns the rows changed.
   */
  reopen(tx: Executor, rows: readonly ReopenedRow[]): Promise<EndedRow[]>;
  /** Failed jobs with `attempts > 0` of `name` and/or `queue`, with ids above `afterId`, in id order, at most `limit`. */
  failedJobs(
    ex: Executor,
    filter: { name?: string; queue?: string; afterId: string; limit: number },
  ): Promise<{ id: unknown; pipeline_id: unknown }[]>;
  /** A pending or blocked job ends `cancelled` at once with `error` (JSON text), `finished_at` now; returns it if it changed. */
  discard(tx: Executor, id: string, error: string): Promise<EndedRow[]>;
  /**
   * Pauses or resumes a queue (an upsert of its `queue_control` row, whether or not it has jobs).
   * `claim` and `claimLimited` read `queue_control` in their own statement (MariaDB: in their own
   * transaction, just before their locking read): a pause holds from every consumer's next claim,
   * and nothing is cached per process.
   */
  setQueuePaused(ex: Executor, queue: string, paused: boolean): Promise<void>;
  /** The paused queues, by name. */
  pausedQueues(ex: Executor): Promise<string[]>;
  /**
   * Retention's turn: true when this transaction may prune, false when another one prunes now (the
   * caller then skips its round). At most one pruner at a time across processes. PostgreSQL:
   * `pg_try_advisory_xact_lock` (never waits); SQLite: true (the transaction holds the write lock);
   * MariaDB: `GET_LOCK(…, 0)`, released by its `transaction` once this transaction has ended.
   */
  tryPrunerLock(tx: Executor): Promise<boolean>;
  /**
   * The newest `keepLast`-th plain job of `state` by (finished_at, id), as stored; undefined when
   * there are fewer. With `advance`: the job `skip` places after `from` in that order instead (the
   * boundary again once `skip` jobs finished since `from` was read), undefined when fewer remain.
   */
  pruneBoundary(
    ex: Executor,
    state: string,
    keepLast: number,
    advance?: { from: { finishedAt: unknown; id: string }; skip: number },
  ): Promise<{ finishedAt: unknown; id: string } | undefined>;
  /**
   * Plain jobs of `state` finished at or after each time of `since` (ascending: the first is the
   * earliest), and the newest `finished_at` as stored (of those, or of all without `since`).
   */
  finishedSince(ex: Executor, state: string, since: readonly unknown[]): Promise<{ counts: number[]; newest: unknown }>;
  /**
   * Deletes up to `limit` plain jobs (no pipeline) of `rule.state` finished more than
   * `rule.olderThanMs` ago or before `rule.before`, oldest first; returns how many.
   */
  pruneJobs(tx: Executor, rule: PruneRule, limit: number): Promise<number>;
  /**
   * Deletes up to `limit` pipelines whole (row, steps, edges) whose every step is finished and past
   * the rule of its state (`olderThanMs`; a state without a rule keeps its pipelines), locking them
   * first (see Locking); returns how many steps it deleted.
   */
  prunePipelines(tx: Executor, rules: readonly PruneRule[], limit: number): Promise<number>;
  /** How many jobs match (`JobCount`): the total a bulk retry or purge reports its progress against. */
  countJobs(ex: Executor, count: JobCount): Promise<number>;
  /** Deletes plain jobs finished more than `olderThanMs` ago in these states; returns how many. */
  purge(ex: Executor, states: readonly string[], olderThanMs: number): Promise<number>;

  /** Wakes listeners when `tx` commits. */
  notify(tx: Executor): Promise<void>;
  /** Calls `onWake` (with its payload) on every notification, on a connection of its own; reconnects if it drops. */
  listen(orm: MikroORM, onWake: (payload?: string) => void, warn: (message: string) => void): Promise<Listener>;
}
