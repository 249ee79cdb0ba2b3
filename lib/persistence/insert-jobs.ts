import type { JobRecord } from '../interfaces/job-record.js';
import { insertDeduplicated } from './dedup-insert.js';
import type { JobsDialect } from './jobs-dialect.js';
import { DateCache, insertedRecord, mapJobRow, newRecord, toDate } from './row.mapper.js';
import type { Executor } from './sql.util.js';
import type { InsertedIds, InsertedJobs, InsertedRow, NewJobRow } from './store.types.js';

/**
 * Rows per INSERT statement. A larger batch without unique keys goes in several statements, each
 * sent as soon as the one before it has come back, so the records of one are built while the
 * database writes the next (see `insertInChunks`): the caller's executor must then be a transaction.
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
  const plain = rows.every((r) => r.unique_key === null);
  if (plain && rows.length > ROWS_PER_INSERT) return insertInChunks(d, ex, rows, notify);
  if (plain && rows.length > 1 && d.insertPlainJobs)
    return plainRecords(rows, await d.insertPlainJobs(ex, rows, notify));
  // Inserted rows come back in input order (ascending ids); rows left out hit a unique key held by
  // an unfinished job (maybe one earlier in this batch). Walk both lists side by side.
  const inserted = (await d.insertJobs(ex, rows, notify)).sort((a, b) => Number(a.id) - Number(b.id));
  const dates = new DateCache();
  const written = new Set(inserted.map((r) => String(r.id)));
  if (inserted.length === rows.length) {
    return { jobs: rows.map((row, i) => insertedRecord(row, inserted[i]!, dates)), written };
  }
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

/** The records of rows that were all written, from `JobsDialect.insertPlainJobs`. */
function plainRecords(rows: readonly NewJobRow[], { ids, createdAt }: InsertedIds, into = emptyJobs()): Written {
  if (ids.length !== rows.length)
    throw new Error(
      `The database returned ${ids.length} ids for ${rows.length} inserted jobs (a trigger on the jobs table?).`,
    );
  const created = toDate(createdAt)!.getTime();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const id = ids[i]!;
    into.jobs.push(newRecord(row, id, new Date(row.run_after ? row.run_after.getTime() : created), new Date(created)));
    into.written.add(id);
  }
  return into;
}

/** `InsertedJobs` while it is filled. */
type Written = { jobs: JobRecord[]; written: Set<string> };
const emptyJobs = (): Written => ({ jobs: [], written: new Set<string>() });

/**
 * Rows without unique keys, `ROWS_PER_INSERT` at a time in one transaction: the next statement is
 * sent before this one's records are built, so the database writes while this process maps.
 * Consumers are woken by the first statement (a transaction's notices go out at its commit).
 */
async function insertInChunks(d: JobsDialect, ex: Executor, rows: NewJobRow[], notify: boolean): Promise<InsertedJobs> {
  const chunk = (i: number) => rows.slice(i, i + ROWS_PER_INSERT);
  const into = emptyJobs();
  const insert = (part: NewJobRow[], wake: boolean) =>
    d.insertPlainJobs
      ? d.insertPlainJobs(ex, part, wake).then((ids) => () => plainRecords(part, ids, into))
      : d.insertJobs(ex, part, wake).then((inserted) => () => insertedRecords(part, inserted, into));
  let next = insert(chunk(0), notify);
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const records = await next;
    if (i + ROWS_PER_INSERT < rows.length) {
      next = insert(chunk(i + ROWS_PER_INSERT), false);
      next.catch(() => undefined); // awaited in the next round; a failure rolls the transaction back
    }
    records();
  }
  return into;
}

/** The records of rows that were all written, from `JobsDialect.insertJobs`. */
function insertedRecords(rows: readonly NewJobRow[], inserted: InsertedRow[], into: Written): void {
  inserted.sort((a, b) => Number(a.id) - Number(b.id));
  const dates = new DateCache();
  for (let k = 0; k < inserted.length; k++) {
    const job = insertedRecord(rows[k]!, inserted[k]!, dates);
    into.jobs.push(job);
    into.written.add(job.id);
  }
}
