import type { JobRecord } from '../interfaces/job-record.js';
import type { JobState } from '../interfaces/job-state.js';
import type { Dialect } from './sql.util.js';
import type { InsertedRow, NewJobRow } from './statements/insert-jobs.sql.js';

/** A `queue_job` row as the driver returns it (snake_case; types differ per dialect). */
export type JobRow = Record<string, any>;

/**
 * PostgreSQL returns jsonb already parsed; SQLite returns text. The dialect is needed: on PostgreSQL
 * a JS string is a JSON string value (an output `'hello'`), which must not be parsed again.
 */
export function parseJson(value: unknown, dialect: Dialect): any {
  if (value === null || value === undefined) return null;
  return dialect === 'sqlite' && typeof value === 'string' ? JSON.parse(value) : value;
}

/** SQLite stores epoch milliseconds; PostgreSQL returns text (MikroORM leaves timestamptz unparsed) or a Date. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return typeof value === 'string' && !/^\d+$/.test(value) ? new Date(value) : new Date(Number(value));
}

export function toId(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function mapJobRow(row: JobRow, dialect: Dialect): JobRecord {
  return {
    ...mapClaimedRow(row, dialect),
    state: row.state as JobState,
    output: parseJson(row.output, dialect),
    error: parseJson(row.error, dialect),
    attemptLog: parseJson(row.attempt_log, dialect) ?? [],
    createdAt: toDate(row.created_at)!,
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    progress: parseJson(row.progress, dialect),
    parentId: toId(row.parent_id),
    uniqueKey: row.unique_key ?? null,
  };
}

/**
 * The record of a job just inserted: what was written plus what the database chose (id, times).
 * JSON comes from the texts that were stored, so nothing is read back.
 */
export function insertedRecord(row: NewJobRow, db: InsertedRow, dates: DateCache = new DateCache()): JobRecord {
  return {
    id: String(db.id),
    name: row.name,
    queue: row.queue,
    state: row.state,
    priority: row.priority,
    input: JSON.parse(row.input),
    output: null,
    error: null,
    attemptLog: [],
    attempts: 0,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    backoff: row.backoff === null ? null : JSON.parse(row.backoff),
    runAfter: dates.get(db.run_after),
    createdAt: dates.get(db.created_at),
    startedAt: null,
    finishedAt: null,
    progress: null,
    pipelineId: row.pipeline_id,
    step: row.step,
    parentId: row.parent_id,
    uniqueKey: row.unique_key,
  };
}

/** `toDate` for a batch whose rows mostly share their times (`now()` is one value per transaction): each text parsed once, copied after. */
export class DateCache {
  private readonly parsed = new Map<unknown, number>();

  get(value: unknown): Date {
    let ms = this.parsed.get(value);
    if (ms === undefined) {
      ms = toDate(value)!.getTime();
      if (this.parsed.size < 64) this.parsed.set(value, ms);
    }
    return new Date(ms);
  }
}

/** A job as a consumer claims it: what running it needs (statements/claim-jobs.sql.ts, CLAIMED). */
export type ClaimedJob = Pick<JobRecord, 'id' | 'name' | 'queue' | 'priority' | 'input' | 'attempts' | 'maxAttempts' | 'timeoutMs' | 'backoff' | 'runAfter' | 'pipelineId' | 'step'>;

/** `dates`: shared by the rows of one claim, whose times repeat (one `now()` per transaction). */
export function mapClaimedRow(row: JobRow, dialect: Dialect, dates?: DateCache): ClaimedJob {
  return {
    id: String(row.id),
    name: row.name,
    queue: row.queue,
    priority: Number(row.priority),
    input: parseJson(row.input, dialect),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    timeoutMs: row.timeout_ms === null || row.timeout_ms === undefined ? null : Number(row.timeout_ms),
    backoff: parseJson(row.backoff, dialect),
    runAfter: dates ? dates.get(row.run_after) : toDate(row.run_after)!,
    pipelineId: toId(row.pipeline_id),
    step: row.step ?? null,
  };
}
