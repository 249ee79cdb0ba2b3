import type { JobAttemptRecord } from '../interfaces/job-context.js';
import type { JobRecord } from '../interfaces/job-record.js';
import type { JobState } from '../interfaces/job-state.js';
import type { JobRow, JobsDialect } from './jobs-dialect.js';
import type { ClaimedJob, InsertedRow, NewJobRow } from './store.types.js';

export type { ClaimedJob } from './store.types.js';
export type { JobRow } from './jobs-dialect.js';

/** What maps rows: the dialect's JSON parsing (the driver returns JSON as values or as text). */
type Parser = Pick<JobsDialect, 'parseJson'>;

/**
 * A time as a driver returns it: epoch milliseconds (a number or digits), date text, or a Date.
 * Text without a zone (`2026-01-02 03:04:05.678`, MariaDB's `datetime`) is UTC, as the queue writes
 * it; JavaScript would read it in the process's local zone.
 */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'string' && ZONELESS.test(value)) return new Date(`${value.replace(' ', 'T')}Z`);
  return typeof value === 'string' && !/^\d+$/.test(value) ? new Date(value) : new Date(Number(value));
}

const ZONELESS = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$/;

export function toId(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/**
 * The attempt log with each entry's `at` as ISO 8601 text in UTC, to the millisecond, on every
 * database: each stamps it with its own clock in its own form (PostgreSQL a timestamptz text with
 * microseconds, MariaDB text ending in Z, SQLite epoch milliseconds as a number).
 */
function attemptLog(value: unknown): JobAttemptRecord[] {
  const log = (Array.isArray(value) ? value : []) as JobAttemptRecord[];
  for (const entry of log) {
    const at = new Date(entry.at as string | number);
    if (!Number.isNaN(at.getTime())) entry.at = at.toISOString();
  }
  return log;
}

export function mapJobRow(row: JobRow, dialect: Parser): JobRecord {
  const { traceContext: _, ...claimed } = mapClaimedRow(row, dialect);
  return {
    ...claimed,
    state: row.state as JobState,
    output: dialect.parseJson(row.output),
    error: dialect.parseJson(row.error),
    attemptLog: attemptLog(dialect.parseJson(row.attempt_log)),
    createdAt: toDate(row.created_at)!,
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    progress: dialect.parseJson(row.progress),
    parentId: toId(row.parent_id),
    uniqueKey: row.unique_key ?? null,
    concurrencyKey: row.concurrency_key ?? null,
  };
}

/**
 * The record of a job just inserted: what was written plus what the database chose (id, times).
 * JSON comes from the texts that were stored, so nothing is read back.
 */
export function insertedRecord(row: NewJobRow, db: InsertedRow, dates: DateCache = new DateCache()): JobRecord {
  return newRecord(row, String(db.id), dates.get(db.run_after), dates.get(db.created_at));
}

/** `insertedRecord` from an id and the times already parsed. */
export function newRecord(row: NewJobRow, id: string, runAfter: Date, createdAt: Date): JobRecord {
  return {
    id,
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
    runAfter,
    createdAt,
    startedAt: null,
    finishedAt: null,
    progress: null,
    pipelineId: row.pipeline_id,
    step: row.step,
    parentId: row.parent_id,
    uniqueKey: row.unique_key,
    concurrencyKey: row.concurrency_key,
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

/** `dates`: shared by the rows of one claim, whose times repeat (one `now()` per transaction). */
export function mapClaimedRow(row: JobRow, dialect: Parser, dates?: DateCache): ClaimedJob {
  return {
    id: String(row.id),
    name: row.name,
    queue: row.queue,
    priority: Number(row.priority),
    input: dialect.parseJson(row.input),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    timeoutMs: row.timeout_ms === null || row.timeout_ms === undefined ? null : Number(row.timeout_ms),
    backoff: dialect.parseJson(row.backoff),
    runAfter: dates ? dates.get(row.run_after) : toDate(row.run_after)!,
    pipelineId: toId(row.pipeline_id),
    step: row.step ?? null,
    traceContext: row.trace_context ?? null,
  };
}

/** A finished dependency of a pipeline step (`JobsDialect.dependencyResults`), parsed. */
export function mapDependencyRow(r: JobRow, dialect: Parser) {
  return {
    jobId: String(r.job_id),
    /** Set when the dependency is a child spawned by one of the step's dependencies. */
    viaId: toId(r.via_id),
    id: String(r.id),
    step: (r.step as string | null) ?? null,
    state: r.state as JobState,
    output: dialect.parseJson(r.output),
    error: dialect.parseJson(r.error),
  };
}
