import { TransactionContext, type EntityManager } from '@mikro-orm/core';
import { JobsError } from '../errors/jobs.error.js';
import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { QueueUnavailableError } from '../errors/queue-unavailable.error.js';
import type { JobStore } from '../persistence/job.store.js';
import type { Executor } from '../persistence/sql.util.js';

/** Runs `fn` in `em`'s transaction (opening one if `em` has none), or in one of the store's own. */
export function writeIn<T>(
  store: JobStore,
  em: EntityManager | undefined,
  fn: (ex: Executor) => Promise<T>,
  /** `statement`: without `em`, `fn` runs one statement, atomic by itself: no transaction is opened for it. */
  how: { statement?: boolean } = {},
): Promise<T> {
  // An EntityManager of another MikroORM (the app's database while the queue has its own, see
  // `contextName`) would write the job into a database that has no queue: refuse it before writing.
  if (em && em.getDriver() !== store.orm.em.getDriver()) {
    return Promise.reject(
      new InvalidJobOptionsError(
        "Option 'em' belongs to another MikroORM than the queue's database (JobsModule option 'contextName'). A job can only be written in a transaction of the queue's own database: pass an EntityManager of that MikroORM, or leave 'em' out.",
      ),
    );
  }
  // SQLite has one connection, and an open em.transactional() holds it: a write of our own beside
  // it, from inside that transaction, would wait for it forever. Say so instead of hanging.
  if (!em && store.dialect === 'sqlite') {
    const open = TransactionContext.getEntityManager(store.orm.em.name);
    if (open?.isInTransaction() && open.getDriver() === store.orm.em.getDriver()) {
      return Promise.reject(
        new InvalidJobOptionsError(
          "On SQLite, a job enqueued inside em.transactional() must be written in that transaction: pass { em } (the transaction's EntityManager). SQLite has one connection, which the open transaction holds; a separate write would wait for it forever.",
        ),
      );
    }
  }
  return guard(() => {
    if (!em) return how.statement ? fn(store.db) : store.transaction(fn);
    if (em.isInTransaction()) return fn(store.executorFor(em));
    return em.transactional((tx) => fn(store.executorFor(tx)));
  });
}

/** Turns a lost database into `QueueUnavailableError`; the library's own errors pass through. */
export async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof JobsError || !isConnectionError(err)) throw err;
    throw new QueueUnavailableError(
      `The job database is unreachable (${(err as Error).message}); nothing was written. Retry later.`,
      { cause: err },
    );
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006', 'SQLITE_BUSY', 'SQLITE_CANTOPEN']);

export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; cause?: unknown; message?: string; name?: string } | null;
  if (!e) return false;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  if (e.name === 'ConnectionException') return true;
  if (/Connection terminated|connection is closed|Client has encountered a connection error|terminating connection/i.test(e.message ?? '')) return true;
  return e.cause ? isConnectionError(e.cause) : false;
}
