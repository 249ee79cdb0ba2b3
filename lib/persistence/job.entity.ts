import { EntitySchema } from '@mikro-orm/core';
import type { JobState } from '../interfaces/job-state.js';
import { JOB_INDEXES, TRACE_CONTEXT_LENGTH } from './schema.sql.js';

/** A row of `queue_job`, for your own queries through MikroORM. The queue itself writes with SQL. */
export interface JobEntity {
  id: string;
  name: string;
  queue: string;
  state: JobState;
  /** Higher runs first. */
  priority: number;
  input: unknown;
  output: unknown;
  error: unknown;
  attemptLog: unknown[];
  attempts: number;
  maxAttempts: number;
  backoff: unknown;
  timeoutMs: number | null;
  runAfter: Date;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  lockedBy: string | null;
  leaseUntil: Date | null;
  cancelRequested: boolean;
  progress: unknown;
  pipelineId: string | null;
  step: string | null;
  parentId: string | null;
  /** Dependencies not finished yet; the job is `blocked` while this is above 0. */
  blockingDeps: number;
  uniqueKey: string | null;
  /** Jobs of one name with the same key share its `concurrency.perKey` limit (`@Job()`). */
  concurrencyKey: string | null;
  /**
   * The W3C trace context of the span that enqueued the job (`traceparent`, then a space and
   * `tracestate` when there is one); null unless an OpenTelemetry SDK was recording it.
   */
  traceContext: string | null;
}

export const JOB_TABLE = 'queue_job';

export const JobEntitySchema = new EntitySchema<JobEntity>({
  name: 'QueueJob',
  tableName: JOB_TABLE,
  properties: {
    // SQLite stores an autoincrement key as `integer` whatever the declared type; without this,
    // orm.schema.update() sees a type change and rebuilds the table on every run.
    id: { type: 'bigint', primary: true, autoincrement: true, ignoreSchemaChanges: ['type'] },
    name: { type: 'string', length: 128 },
    queue: { type: 'string', length: 64, default: 'default' },
    state: { type: 'string', length: 16 },
    priority: { type: 'integer', default: 0 },
    input: { type: 'json', nullable: true },
    output: { type: 'json', nullable: true },
    error: { type: 'json', nullable: true },
    attemptLog: { type: 'json', fieldName: 'attempt_log', defaultRaw: "'[]'" },
    attempts: { type: 'integer', default: 0 },
    maxAttempts: { type: 'integer', fieldName: 'max_attempts' },
    backoff: { type: 'json', nullable: true },
    timeoutMs: { type: 'integer', fieldName: 'timeout_ms', nullable: true },
    runAfter: { type: 'datetime', fieldName: 'run_after' },
    createdAt: { type: 'datetime', fieldName: 'created_at' },
    startedAt: { type: 'datetime', fieldName: 'started_at', nullable: true },
    finishedAt: { type: 'datetime', fieldName: 'finished_at', nullable: true },
    lockedBy: { type: 'string', length: 64, fieldName: 'locked_by', nullable: true },
    leaseUntil: { type: 'datetime', fieldName: 'lease_until', nullable: true },
    cancelRequested: { type: 'boolean', fieldName: 'cancel_requested', default: false },
    progress: { type: 'json', nullable: true },
    pipelineId: { type: 'bigint', fieldName: 'pipeline_id', nullable: true },
    step: { type: 'string', length: 128, nullable: true },
    parentId: { type: 'bigint', fieldName: 'parent_id', nullable: true },
    blockingDeps: { type: 'integer', fieldName: 'blocking_deps', default: 0 },
    uniqueKey: { type: 'string', length: 255, fieldName: 'unique_key', nullable: true },
    concurrencyKey: { type: 'string', length: 255, fieldName: 'concurrency_key', nullable: true },
    traceContext: { type: 'string', length: TRACE_CONTEXT_LENGTH, fieldName: 'trace_context', nullable: true },
  },
  // The DDL is in schema.sql.ts (JOB_INDEXES), with why each index is as it is.
  indexes: [
    JOB_INDEXES.claim,
    JOB_INDEXES.leased,
    JOB_INDEXES.pipeline,
    JOB_INDEXES.finished,
    JOB_INDEXES.uniqueRecent,
    JOB_INDEXES.runningKey,
    JOB_INDEXES.endedBadly,
  ],
  uniques: [JOB_INDEXES.uniqueKey],
});
