import { CompiledQuery, type Kysely } from 'kysely';
import type { JobRow } from '../../jobs-dialect.js';
import type { Executor } from '../../sql.util.js';
import type { ClaimFilter, ClaimUnit } from '../../store.types.js';
import { claimLimitedUnit, getLock, releaseLock } from './mariadb.limited-claim.js';

/** ER_LOCK_DEADLOCK and ER_LOCK_WAIT_TIMEOUT: the transaction (or its statement) was rolled back and may simply run again. */
const RETRIED_ERRNOS = new Set([1213, 1205]);

/** How often a transaction runs again after a deadlock or lock wait timeout before the error is let through. */
const MAX_TRANSACTION_RUNS = 20;

/** The named locks (see `getLock`): one limited claim at a time, one pruner at a time. */
const LIMITED_CLAIM_LOCK = 'limited-claim';
const PRUNER_LOCK = 'pruner';

function isLockConflict(err: unknown): boolean {
  for (let e = err as { errno?: number; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.errno === 'number' && RETRIED_ERRNOS.has(e.errno)) return true;
  }
  return false;
}

/**
 * MariaDB's transactions: run again after a deadlock, and the named locks that stand in for
 * PostgreSQL's transaction-scoped advisory locks. `GET_LOCK` is held by the connection, not the
 * transaction, so each is released only once the transaction that needed it has ended (committed
 * or rolled back): no other holder can read before this one's writes are visible.
 */
export class MariadbTransactions {
  /** The transactions holding the pruner lock (see `tryPrunerLock`). */
  private readonly pruning = new WeakSet<object>();

  /**
   * One transaction, run again (with a short random pause) when InnoDB rolls it back over a deadlock
   * or a lock wait timeout; `fn` only writes through `tx`, so a rerun starts from a clean slate.
   */
  async run<T>(db: Kysely<any>, fn: (tx: Executor) => Promise<T>): Promise<T> {
    for (let runNo = 1; ; runNo++) {
      try {
        return await this.once(db, fn);
      } catch (err) {
        if (runNo >= MAX_TRANSACTION_RUNS || !isLockConflict(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 5 * runNo)));
      }
    }
  }

  /** One run; a pruner lock it took is released once it has ended. */
  private once<T>(db: Kysely<any>, fn: (tx: Executor) => Promise<T>): Promise<T> {
    return db.connection().execute(async (conn) => {
      await conn.executeQuery(CompiledQuery.raw('BEGIN'));
      try {
        const result = await fn(conn);
        await conn.executeQuery(CompiledQuery.raw('COMMIT'));
        return result;
      } catch (err) {
        await conn.executeQuery(CompiledQuery.raw('ROLLBACK')).catch(() => undefined);
        throw err;
      } finally {
        if (this.pruning.delete(conn)) await releaseLock(conn, PRUNER_LOCK).catch(() => undefined);
      }
    });
  }

  /** The pruner lock, without waiting; held until `run` has ended this transaction. */
  async tryPrunerLock(tx: Executor): Promise<boolean> {
    const ok = await getLock(tx, PRUNER_LOCK, 0);
    if (ok) this.pruning.add(tx);
    return ok;
  }

  /**
   * Claims of limited names, one at a time across processes: the limited-claim lock is taken before
   * the transaction begins and released after it ends, so each claim's snapshot holds every earlier
   * claim's starts and running jobs. A claim that waits over 10 s for it claims nothing this time
   * (its consumer polls again).
   */
  claimLimited(
    db: Kysely<any>,
    filter: ClaimFilter,
    units: readonly ClaimUnit[],
    paused: (tx: Executor) => Promise<string[]>,
  ): Promise<JobRow[]> {
    return db.connection().execute(async (conn) => {
      if (!(await getLock(conn, LIMITED_CLAIM_LOCK, 10))) return [];
      try {
        return await this.run(conn, async (tx) => {
          const queues = await paused(tx);
          const out: JobRow[] = [];
          for (const unit of units) {
            const left = filter.limit - out.length;
            if (left <= 0) break;
            out.push(...(await claimLimitedUnit(tx, filter, unit, left, queues)));
          }
          return out;
        });
      } finally {
        await releaseLock(conn, LIMITED_CLAIM_LOCK).catch(() => undefined);
      }
    });
  }
}
