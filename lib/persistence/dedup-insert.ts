import type { JobRecord } from '../interfaces/job-record.js';
import type { JobsDialect } from './jobs-dialect.js';
import { mapJobRow } from './row.mapper.js';
import type { Executor } from './sql.util.js';
import type { InsertedJobs, NewJobRow } from './store.types.js';

/**
 * Inserts jobs of which some dedupe beyond "one unfinished per key" (`EnqueueOptions.unique`), on
 * one executor (a transaction): a row whose key was enqueued within its `forMs` is not inserted
 * and yields the newest such job; the rest go through `insert` (which handles unfinished holders);
 * then each `replace` row's key has its waiting job updated (the last row of a key wins). Results
 * in input order; `written` holds only what `insert` wrote: neither a `forMs` hit nor a job that
 * was already waiting when `replace` updated it.
 */
export async function insertDeduplicated(
  d: JobsDialect,
  ex: Executor,
  rows: NewJobRow[],
  insert: (ex: Executor, rows: NewJobRow[]) => Promise<InsertedJobs>,
): Promise<InsertedJobs> {
  const result: (JobRecord | undefined)[] = new Array(rows.length);
  const timed = rows.filter((r) => r.dedup?.forMs);
  if (timed.length) {
    // Newest first: the first row seen for a key is its holder.
    const recent = new Map<string | null, JobRecord>();
    for (const row of await d.recentByUniqueKeys(
      ex,
      timed.map((r) => ({ key: r.unique_key!, for_ms: r.dedup!.forMs! })),
    )) {
      const job = mapJobRow(row, d);
      if (!recent.has(job.uniqueKey)) recent.set(job.uniqueKey, job);
    }
    rows.forEach((r, i) => r.dedup?.forMs && (result[i] = recent.get(r.unique_key)));
  }
  const rest = rows.filter((_, i) => !result[i]);
  const inserted = rest.length ? await insert(ex, rest) : { jobs: [], written: new Set<string>() };
  let next = 0;
  rows.forEach((_, i) => (result[i] ??= inserted.jobs[next++]));
  const replacing = new Map<string, NewJobRow>();
  for (const r of rows) if (r.dedup?.replace) replacing.set(r.unique_key!, r);
  if (replacing.size) {
    const changes = [...replacing.values()].map((r) => ({
      key: r.unique_key!,
      input: r.input,
      run_after_ms: r.run_after?.getTime() ?? null,
      delay_ms: r.dedup!.debounceMs ?? null,
    }));
    const ids = (await d.replaceWaiting(ex, changes)).map((r) => String(r.id));
    const updated = new Map(
      (ids.length ? await d.jobs(ex, ids) : []).map((r) => mapJobRow(r, d)).map((j) => [j.uniqueKey, j]),
    );
    rows.forEach((r, i) => r.dedup?.replace && updated.has(r.unique_key) && (result[i] = updated.get(r.unique_key)));
  }
  return { jobs: result as JobRecord[], written: inserted.written };
}
