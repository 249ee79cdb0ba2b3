import { insertDeduplicated } from './dedup-insert.js';
import type { JobsDialect } from './jobs-dialect.js';
import { DateCache, insertedRecord, mapJobRow } from './row.mapper.js';
import type { Executor } from './sql.util.js';
import type { InsertedJobs, NewJobRow } from './store.types.js';

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
