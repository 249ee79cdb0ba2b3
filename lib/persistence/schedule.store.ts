import type { Kysely } from 'kysely';
import type { JobsDialect } from './jobs-dialect.js';
import type { JobWriter } from './job.writer.js';
import { toDate } from './row.mapper.js';
import type { ScheduleRow, StoredSchedule } from './schedule-row.js';
import type { Executor } from './sql.util.js';
import type { NewJobRow } from './store.types.js';

/** A write in a transaction of the store's, whose job inserts wake consumers when it commits. */
type Write = <T>(fn: (w: JobWriter) => Promise<T>) => Promise<T>;

/**
 * The store's intents for run-time schedules (`JobQueue.schedule`): saving, removing and listing
 * them, and advancing one while enqueueing its occurrences, exactly once across processes.
 */
export class ScheduleStore {
  constructor(
    private readonly d: JobsDialect,
    private readonly db: Kysely<any>,
    private readonly write: Write,
  ) {}

  /** Inserts the schedule, or replaces the one with its key (its next run recomputed by the caller). */
  async save(row: ScheduleRow): Promise<StoredSchedule> {
    return this.write(async ({ executor: tx }) => {
      await this.d.saveSchedule(tx, row);
      return (await this.read(tx, { key: row.key }))[0]!;
    });
  }

  /** Whether there was a schedule with that key. */
  remove(key: string): Promise<boolean> {
    return this.d.deleteSchedule(this.db, key);
  }

  /** Every schedule, by key. */
  list(): Promise<StoredSchedule[]> {
    return this.read(this.db, {});
  }

  /** Schedules whose next run is at or before `atMs`, soonest first (at most `limit`). */
  due(atMs: number, limit: number): Promise<StoredSchedule[]> {
    return this.read(this.db, { dueAtMs: atMs, limit });
  }

  /**
   * Moves `seen` on to `nextMs` (and `lastMs`, the last occurrence enqueued) and inserts `jobs`, in
   * one transaction, only if the row is still at the version `seen` was read at: its row is locked
   * first, so of several processes advancing it at once one does, and the others find a newer
   * version and write nothing. A crash before the commit leaves both the row and the jobs as they
   * were. Returns the jobs it wrote (not an occurrence whose unique key a job held already), or
   * undefined when another process (or a change) came first.
   */
  advance(seen: StoredSchedule, nextMs: number, lastMs: number | null, jobs: NewJobRow[]) {
    return this.write(async (w) => {
      const [now] = await this.read(w.executor, { key: seen.key, lock: true });
      if (!now || now.version !== seen.version) return undefined;
      await this.d.advanceSchedule(w.executor, seen.key, seen.version, nextMs, lastMs);
      if (jobs.length) await w.insert(jobs);
      return w.written;
    });
  }

  private async read(ex: Executor, filter: Parameters<JobsDialect['schedules']>[1]): Promise<StoredSchedule[]> {
    const rows = await this.d.schedules(ex, filter);
    return rows.map((r) => ({
      key: String(r.schedule_key),
      cron: String(r.cron),
      name: String(r.name),
      input: this.d.parseJson(r.input),
      options: this.d.parseJson(r.options),
      timeZone: (r.time_zone as string | null) ?? null,
      missed: String(r.missed),
      nextRunAt: toDate(r.next_run_at)!,
      lastRunAt: toDate(r.last_run_at),
      version: Number(r.version),
      createdAt: toDate(r.created_at)!,
      updatedAt: toDate(r.updated_at)!,
    }));
  }
}
