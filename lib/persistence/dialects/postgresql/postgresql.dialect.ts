import type { Kysely } from 'kysely';
import type { MikroORM } from '@mikro-orm/core';
import type { DialectSettings, JobRow, Listener } from '../../jobs-dialect.js';
import { schemaSql } from '../../schema.sql.js';
import { inTransaction, run, type Executor } from '../../sql.util.js';
import type {
  ClaimFilter,
  ClaimUnit,
  EndedRow,
  FailedJob,
  InsertedIds,
  InsertedRow,
  NewJobRow,
} from '../../store.types.js';
import { SharedSqlDialect } from '../../statements/shared-sql.dialect.js';
import { listenOn } from './postgresql.listener.js';
import { NamedStatements } from './named-statements.js';
import { SettingsSession } from './settings-session.js';
import { LISTENER_HELLO } from '../../finish-notices.js';
import { claimJobs, claimLimitedJobs, failJobs, insertJobs, rescueExpired } from './postgresql.statements.js';
import { postgresqlSyntax } from './postgresql.syntax.js';

const CHANNEL = 'queue_job_ready';
/** Jobs finished (see `finish-notices.ts`): heard by processes that emit events or wait for jobs. */
const FINISHED_CHANNEL = 'queue_job_finished';
/** The `application_name` of a consumer process's claim session (module option `claimSession`). */
export const CLAIM_SESSION_NAME = 'nestjs-job-pipelines claims';
const FINISHED_HEARD = `SELECT current_setting('track_activities') = 'off' OR EXISTS (SELECT 1 FROM pg_stat_activity
  WHERE datname = current_database() AND pid <> pg_backend_pid()
    AND query IN ('LISTEN ${FINISHED_CHANNEL}', '<insufficient privilege>')) AS heard`;

/**
 * The advisory lock (two int4 keys: this class, 0) every claim of limited names takes first, for
 * its transaction: one at a time, so the running and start counts each reads hold until it commits.
 * One lock for all limited names keeps the order of taking locks trivial (no deadlock); those claims
 * are short, and claims of other names never take it.
 */
const LIMITED_CLAIM_LOCK = `SELECT pg_advisory_xact_lock(${0x6a6f6273}, 0)`;
/** Retention's lock (same class, 1): tried, never waited for; whoever holds it prunes. */
const PRUNER_LOCK = `SELECT pg_try_advisory_xact_lock(${0x6a6f6273}, 1) AS ok`;

/**
 * Walk the claim index in order and stop after `limit` rows. Without table statistics (a fresh or
 * suddenly grown table: autovacuum analyses it only at its next round, up to a minute later) the
 * planner takes the name filter for very selective and picks a bitmap scan of every due row plus a
 * sort: each claim then reads the whole backlog (bench noop-drain, 20,000 jobs: 11 ms of a 18 ms
 * claim of 500; EXPLAIN ANALYZE). No index has the name, so both plans read the due rows of other
 * names too; the ordered index scan stops at `limit`, but reads the heap in index order, where a
 * bitmap scan reads each page once: for a consumer of a rare name behind a large backlog of others,
 * the bitmap plan can be cheaper. Only claims made while a backlog lasts are guarded.
 */
const CLAIM_PLAN_SETTINGS = ['enable_bitmapscan = off', 'enable_sort = off'];

/**
 * Planner settings for the transactions of fenced writes: find the rows by primary key. Without
 * table statistics (a fresh or suddenly grown table) the planner estimated a sequential scan of the
 * whole table as cheaper than 400 primary-key probes (EXPLAIN ANALYZE, 20,000 jobs: 6.2 ms against
 * 1.9 ms per completion batch), or, with a partial index on running rows, read all of that index's
 * entries, dead ones included.
 */
const FENCED_WRITE_SETTINGS = ['enable_seqscan = off', 'enable_bitmapscan = off'];

/** `SET LOCAL`s sent with BEGIN, in the same round trip. */
const begin = (settings: readonly string[]) => ['BEGIN', ...settings.map((s) => `SET LOCAL ${s}`)].join('; ');
const BEGIN = begin([]);
const BEGIN_FENCED = begin(FENCED_WRITE_SETTINGS);
/**
 * A guarded claim's transaction where it has no session of its own (module option `claimSession`
 * false, or while that session cannot be opened): its planner settings, and no wait for its WAL
 * flush (see claimJobs' UNSYNCED_COMMIT).
 */
const BEGIN_CLAIM = begin([...CLAIM_PLAN_SETTINGS, 'synchronous_commit = off']);

/**
 * PostgreSQL: row locks (`FOR UPDATE`, `SKIP LOCKED` for claims and rescues), `jsonb` and
 * `timestamptz` columns, and LISTEN/NOTIFY so consumers wake at once when jobs are written.
 */
export class PostgresqlDialect extends SharedSqlDialect {
  readonly name = 'postgresql' as const;
  readonly oneConnection = false;
  readonly notifies = true;

  constructor() {
    super(postgresqlSyntax);
  }

  /** The pool-level executor the store hands over for statements outside transactions, and its named twin. */
  private pool?: Executor;
  private named?: NamedStatements;
  /**
   * Where guarded claims run: a session holding the claim's planner settings, so a claim is one
   * statement (setting its own `synchronous_commit`, as an idle claim does) and not the three round
   * trips of BEGIN_CLAIM's transaction. Only planner settings live in the session: behind a pooler
   * that moved it to another client's server connection, they could slow that client's queries,
   * never weaken its commits.
   */
  private claims?: SettingsSession;

  async prepare(db: Kysely<any>, orm: MikroORM, settings: DialectSettings): Promise<void> {
    this.pool = db;
    this.named = settings.preparedStatements ? new NamedStatements(orm, db) : undefined;
    this.claims = settings.claimSession ? new SettingsSession(orm, CLAIM_PLAN_SETTINGS, CLAIM_SESSION_NAME) : undefined;
  }

  async close(): Promise<void> {
    await this.claims?.close();
  }

  /** `ex` itself, or its named-statement twin when `ex` is the pool (not a transaction). */
  private hot(ex: Executor): Executor {
    return ex === this.pool && this.named ? this.named.executor : ex;
  }

  transaction<T>(db: Kysely<any>, fn: (tx: Executor) => Promise<T>, fenced = false): Promise<T> {
    return inTransaction(db, fenced ? BEGIN_FENCED : BEGIN, fn);
  }

  /** jsonb comes back parsed: a JS string is a JSON string value (an output `'hello'`), not to be parsed again. */
  parseJson(value: unknown): any {
    return value ?? null;
  }

  schema(from: number): string[] {
    const out = schemaSql({ timestamp: 'timestamptz', json: 'jsonb', id: 'bigserial primary key' }, from);
    if (from < 1) out.push(...tuneAutovacuum());
    return out;
  }

  insertJobs(ex: Executor, rows: readonly NewJobRow[], notify: boolean): Promise<InsertedRow[]> {
    // One job: a fixed text, named. Larger batches vary in which columns are arrays, and plan in a
    // fraction of their run time.
    return run<InsertedRow>(rows.length === 1 ? this.hot(ex) : ex, insertJobs(rows, notify ? CHANNEL : undefined));
  }

  async insertPlainJobs(ex: Executor, rows: readonly NewJobRow[], notify: boolean): Promise<InsertedIds> {
    const [row] = await run<{ ids: string; created_at: unknown }>(
      ex,
      insertJobs(rows, notify ? CHANNEL : undefined, true),
    );
    return { ids: row!.ids.split(','), createdAt: row!.created_at };
  }

  async claim(db: Kysely<any>, filter: ClaimFilter): Promise<JobRow[]> {
    if (!filter.guardPlan) return run<JobRow>(this.hot(db), claimJobs(filter, true));
    const session = await this.claims?.executor();
    if (session) return run<JobRow>(session, claimJobs(filter, true));
    return inTransaction(db, BEGIN_CLAIM, (tx) => run<JobRow>(tx, claimJobs(filter, false)));
  }

  claimLimited(db: Kysely<any>, filter: ClaimFilter, units: readonly ClaimUnit[]): Promise<JobRow[]> {
    return inTransaction(db, BEGIN, async (tx) => {
      await run(tx, { sql: LIMITED_CLAIM_LOCK, params: [] });
      const out: JobRow[] = [];
      for (const unit of units) {
        const left = filter.limit - out.length;
        if (left <= 0) break;
        out.push(...(await run<JobRow>(tx, claimLimitedJobs(filter, unit, left))));
      }
      return out;
    });
  }

  async tryPrunerLock(tx: Executor): Promise<boolean> {
    return (await run<{ ok: boolean }>(tx, { sql: PRUNER_LOCK, params: [] }))[0]?.ok === true;
  }

  fail(tx: Executor, consumerId: string, jobs: readonly FailedJob[]): Promise<EndedRow[]> {
    return run<EndedRow>(tx, failJobs(consumerId, jobs));
  }

  rescue(tx: Executor, limit: number): Promise<(EndedRow & { name: string })[]> {
    return run<EndedRow & { name: string }>(tx, rescueExpired(limit));
  }

  async notify(tx: Executor): Promise<void> {
    await run(tx, { sql: `SELECT pg_notify('${CHANNEL}', '')`, params: [] });
  }

  listen(orm: MikroORM, onWake: (payload?: string) => void, warn: (message: string) => void): Promise<Listener> {
    return listenOn(orm, CHANNEL, onWake, warn);
  }

  /** One statement for all payloads (sent after the finish committed, see `MonitorStore.announce`). */
  override async notifyFinished(ex: Executor, payloads: readonly string[]): Promise<void> {
    if (payloads.length === 0) return;
    const calls = payloads.map((_, i) => `pg_notify($1, $${i + 2})`).join(', ');
    await run(ex, { sql: `SELECT ${calls}`, params: [FINISHED_CHANNEL, ...payloads] });
  }

  override listenFinished(
    orm: MikroORM,
    onPayload: (payload: string | undefined) => void,
    warn: (message: string) => void,
  ): Promise<Listener> {
    // Before each LISTEN, a hello on the consumers' channel: they announce finishes again at once.
    const hello = { sql: `SELECT pg_notify('${CHANNEL}', $1)`, params: [LISTENER_HELLO] };
    return listenOn(orm, FINISHED_CHANNEL, onPayload, warn, hello);
  }

  /**
   * Whether a session other than this one is (or may be) listening for finished jobs: an idle
   * session whose last statement was that LISTEN, or one whose statement this role may not see.
   */
  override async finishedHeard(ex: Executor): Promise<boolean> {
    const [row] = await run<{ heard: boolean }>(ex, { sql: FINISHED_HEARD, params: [] });
    return row?.heard !== false;
  }
}

/**
 * Job rows are updated several times in seconds and then deleted; with default autovacuum, dead
 * rows pile up and claims slow down. Vacuum this table early and often (measured with `npm run bench`:
 * 2-3x throughput and stable figures).
 */
function tuneAutovacuum(): string[] {
  return [
    `alter table queue_job set (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000, fillfactor = 80)`,
  ];
}
