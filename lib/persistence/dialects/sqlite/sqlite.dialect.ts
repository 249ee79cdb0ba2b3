import { access, constants } from 'node:fs/promises';
import { CompiledQuery, type Kysely } from 'kysely';
import type { JobRow, Listener } from '../../jobs-dialect.js';
import { schemaSql } from '../../schema.sql.js';
import { inTransaction, run, type Executor } from '../../sql.util.js';
import type { ClaimFilter, ClaimUnit, EndedRow, FailedJob, InsertedRow, NewJobRow } from '../../store.types.js';
import { SharedSqlDialect } from '../../statements/shared-sql.dialect.js';
import { claimJobs, claimLimitedJobs, failJobs, insertJobs, rescueExpired } from './sqlite.statements.js';
import { sqliteSyntax } from './sqlite.syntax.js';

/**
 * SQLite: one writer at a time, so no row locks are needed. Every transaction takes the write lock
 * up front (`BEGIN IMMEDIATE`), so two processes never deadlock upgrading a read lock. No
 * notifications: consumers poll.
 */
export class SqliteDialect extends SharedSqlDialect {
  readonly name = 'sqlite' as const;
  readonly oneConnection = true;
  readonly notifies = false;

  constructor() {
    super(sqliteSyntax);
  }

  /** WAL so readers never block the writer, and a busy timeout so several processes share one file. */
  async prepare(db: Kysely<any>): Promise<void> {
    await db.executeQuery(CompiledQuery.raw('PRAGMA journal_mode = WAL'));
    await db.executeQuery(CompiledQuery.raw('PRAGMA busy_timeout = 15000'));
    await db.executeQuery(CompiledQuery.raw('PRAGMA synchronous = NORMAL'));
  }

  transaction<T>(db: Kysely<any>, fn: (tx: Executor) => Promise<T>): Promise<T> {
    return inTransaction(db, 'BEGIN IMMEDIATE', fn);
  }

  /** JSON columns come back as text. */
  parseJson(value: unknown): any {
    if (value === null || value === undefined) return null;
    return typeof value === 'string' ? JSON.parse(value) : value;
  }

  schema(from: number): string[] {
    // `not null` as MikroORM declares it (SQLite reports a bare `integer primary key` as nullable).
    return schemaSql({ timestamp: 'datetime', json: 'json', id: 'integer not null primary key autoincrement' }, from);
  }

  insertJobs(ex: Executor, rows: readonly NewJobRow[]): Promise<InsertedRow[]> {
    return run<InsertedRow>(ex, insertJobs(rows));
  }

  claim(db: Kysely<any>, filter: ClaimFilter): Promise<JobRow[]> {
    return run<JobRow>(db, claimJobs(filter));
  }

  /** Under the write lock of `BEGIN IMMEDIATE`: no other claim runs until this one commits. */
  claimLimited(db: Kysely<any>, filter: ClaimFilter, units: readonly ClaimUnit[]): Promise<JobRow[]> {
    return this.transaction(db, async (tx) => {
      const out: JobRow[] = [];
      for (const unit of units) {
        const left = filter.limit - out.length;
        if (left <= 0) break;
        const q = claimLimitedJobs(filter, unit, left);
        for (const prune of q.prune) await run(tx, prune);
        const rows = await run<JobRow>(tx, q.claim);
        if (rows.length) for (const starts of q.starts(rows.length)) await run(tx, starts);
        out.push(...rows);
      }
      return out;
    });
  }

  /** The transaction holds the database's write lock already: one pruner (one writer) at a time. */
  async tryPrunerLock(): Promise<boolean> {
    return true;
  }

  fail(tx: Executor, consumerId: string, jobs: readonly FailedJob[]): Promise<EndedRow[]> {
    return run<EndedRow>(tx, failJobs(consumerId, jobs));
  }

  rescue(tx: Executor, limit: number): Promise<(EndedRow & { name: string })[]> {
    return run<EndedRow & { name: string }>(tx, rescueExpired(limit));
  }

  /**
   * The open connection answers even once its file was deleted or moved away (it keeps the file
   * open), but every other process opens the path: a file no longer there, or not readable and
   * writable, is down as well.
   */
  override async ping(db: Kysely<any>): Promise<void> {
    const rows = await run<{ name: string; file: string }>(db, { sql: 'PRAGMA database_list', params: [] });
    const file = rows.find((r) => r.name === 'main')?.file;
    if (file) await access(file, constants.R_OK | constants.W_OK);
  }

  async notify(): Promise<void> {}

  async listen(): Promise<Listener> {
    return { close: async () => undefined };
  }
}
