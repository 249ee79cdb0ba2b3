/**
 * Direct reads of the test database for assertions the public API cannot make on its own:
 * "nothing was written" (row counts) and what handlers recorded (ledger rows).
 */
import type { MikroORM } from '@mikro-orm/core';
import { LedgerEntrySchema, type LedgerEntry } from '../fixtures/ledger.entity.js';

/** Rows in `table` (default: the queue's job table). */
export async function countRows(orm: MikroORM<any, any, any>, table = 'queue_job'): Promise<number> {
  const rows = await orm.em.fork().getConnection().execute(`select count(*) as n from ${table}`);
  return Number(rows[0].n);
}

/**
 * Every row of the job table, by id, to show that a refused call wrote nothing. A running job's
 * `lease_until` is left out: its consumer's heartbeats move it meanwhile.
 */
export async function jobRowsBesidesLeases(orm: MikroORM<any, any, any>): Promise<Record<string, unknown>[]> {
  const rows = (await orm.em.fork().getConnection().execute('select * from queue_job order by id')) as Record<
    string,
    unknown
  >[];
  return rows.map(({ lease_until: _moving, ...row }) => row);
}

/** Every ledger row, in the order written (autoincrement id). */
export async function ledgerRows(orm: MikroORM<any, any, any>): Promise<LedgerEntry[]> {
  return orm.em.fork().find(LedgerEntrySchema, {}, { orderBy: { id: 'asc' } });
}

/**
 * The most ledger intervals open at once, walking rows in write order: +1 on `start`, -1 on
 * `finish`. Shows how many handlers really ran side by side, without looking at clocks.
 */
export function maxOverlap(rows: Pick<LedgerEntry, 'event'>[]): number {
  let open = 0;
  let max = 0;
  for (const r of rows) {
    if (r.event === 'start') max = Math.max(max, ++open);
    else if (r.event === 'finish') open -= 1;
  }
  return max;
}

/** A promise with its resolve function, to hold a handler until the test lets it go. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
