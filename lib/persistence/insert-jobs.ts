import type { JobRecord } from '../interfaces/job-record.js';
import { insertDeduplicated } from './dedup-insert.js';
import type { JobsDialect } from './jobs-dialect.js';
import { DateCache, insertedRecord, mapJobRow, newRecord, toDate } from './row.mapper.js';
import type { Executor } from './sql.util.js';
import type { InsertedIds, InsertedJobs, InsertedRow, NewJobRow } from './store.types.js';

/**
 * Rows per INSERT statement. A larger batch without unique keys goes in several statements of one
 * transaction (see `sendInChunks`): the caller's executor must then be a transaction.
 */
export const ROWS_PER_INSERT = 1_000;

/** Whether `insertJobRows` writes these rows in one statement (atomic without a transaction). */
export function insertIsOneStatement(rows: readonly NewJobRow[]): boolean {
  return rows.length <= ROWS_PER_INSERT && rows.every((r) => r.unique_key === null);
}

/**
 * Inserts jobs; a job whose unique key is taken yields the job holding it (see `insertDeduplicated`
 * for `unique` modes). Result in input order, with the ids really inserted (`InsertedJobs`).
 * `notify`: wake consumers where the database can.
 */
export async function insertJobRows(
  d: JobsDialect,
  ex: Executor,
  rows: NewJobRow[],
  notify: boolean,
): Promise<InsertedJobs> {
  if (rows.some((r) => r.dedup)) {
    const plain = (x: Executor, r: NewJobRow[]) =>
      insertJobRows(
        d,
        x,
        r.map(({ dedup: _, ...row }) => row),
        notify,
      );
    return insertDeduplicated(d, ex, rows, plain);
  }
  if (rows.every((r) => r.unique_key === null)) {
    const jobs =
      rows.length <= ROWS_PER_INSERT
        ? await insertWritten(d, ex, rows, notify)
        : // Consumers are woken by the first statement (a transaction's notices go out at its commit).
          await sendInChunks(rows.length, (from, to) =>
            insertWritten(d, ex, rows.slice(from, to), notify && from === 0),
          );
    return { jobs, written: new Set(jobs.map((j) => j.id)) };
  }
  // Inserted rows come back in input order (ascending ids); rows left out hit a unique key held by
  // an unfinished job (maybe one earlier in this batch). Walk both lists side by side.
  const inserted = (await d.insertJobs(ex, rows, notify)).sort(byId);
  const dates = new DateCache();
  const written = new Set(inserted.map((r) => String(r.id)));
  if (inserted.length === rows.length) return { jobs: recordsOf(rows, inserted), written };
  const keys = rows.filter((r) => r.unique_key !== null).map((r) => r.unique_key!);
  const holders = (await d.selectByUniqueKeys(ex, keys)).map((r) => mapJobRow(r, d));
  const byKey = new Map(holders.map((j) => [j.uniqueKey, j]));
  let next = 0;
  const jobs = rows.map((row) => {
    const candidate = inserted[next];
    if (candidate && candidate.unique_key === row.unique_key && candidate.name === row.name) {
      next += 1;
      return insertedRecord(row, candidate, dates);
    }
    return byKey.get(row.unique_key)!;
  });
  return { jobs, written };
}

/**
 * Sends `count` rows as statements of `ROWS_PER_INSERT` on one connection and returns their results
 * in order. `send(from, to)` prepares a statement (builds its rows, if need be) and hands it to the
 * driver while the statement before still runs (the connection queues it), so this process prepares
 * the next statement and maps the last one's records while the database writes. The first
 * statement to fail is the error thrown; the caller's transaction rolls back the others.
 */
export async function sendInChunks<T>(count: number, send: (from: number, to: number) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  let previous: Promise<T[]> | undefined;
  for (let from = 0; from < count; from += ROWS_PER_INSERT) {
    const sent = send(from, Math.min(count, from + ROWS_PER_INSERT));
    sent.catch(() => undefined); // awaited in the next round or below
    if (previous) for (const x of await previous) out.push(x);
    previous = sent;
  }
  if (previous) for (const x of await previous) out.push(x);
  return out;
}

/** Inserts rows without unique keys (every one is written) in one statement; their records in order. */
async function insertWritten(d: JobsDialect, ex: Executor, rows: NewJobRow[], notify: boolean): Promise<JobRecord[]> {
  if (d.insertPlainJobs && rows.length > 1) return plainRecords(rows, await d.insertPlainJobs(ex, rows, notify));
  return recordsOf(rows, (await d.insertJobs(ex, rows, notify)).sort(byId));
}

/** Inserted rows come back in input order: ascending ids. */
const byId = (a: InsertedRow, b: InsertedRow) => Number(a.id) - Number(b.id);

/** The records of rows that were all written, from `JobsDialect.insertJobs` (sorted `byId`). */
function recordsOf(rows: readonly NewJobRow[], inserted: readonly InsertedRow[]): JobRecord[] {
  const dates = new DateCache();
  return rows.map((row, i) => insertedRecord(row, inserted[i]!, dates));
}

/** The records of rows that were all written, from `JobsDialect.insertPlainJobs`. */
function plainRecords(rows: readonly NewJobRow[], { ids, createdAt }: InsertedIds): JobRecord[] {
  if (ids.length !== rows.length)
    throw new Error(
      `The database returned ${ids.length} ids for ${rows.length} inserted jobs (a trigger on the jobs table?).`,
    );
  const created = toDate(createdAt)!.getTime();
  return rows.map((row, i) =>
    newRecord(row, ids[i]!, new Date(row.run_after ? row.run_after.getTime() : created), new Date(created)),
  );
}
