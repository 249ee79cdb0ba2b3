import { EntitySchema } from '@mikro-orm/core';
import type { JobState } from '../interfaces/job-state.js';

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
  },
  indexes: [
    // The claim reads due jobs in priority order (higher first), then run_after, then id. Only pending
    // rows are in this index, so finished and blocked jobs never slow the claim down.
    {
      name: 'queue_job_claim_idx',
      expression: `create index queue_job_claim_idx on ${JOB_TABLE} (priority desc, run_after, id) where state = 'pending'`,
    },
    // Rescue of lapsed leases scans only leased (running) rows. Not `where state = 'running'`: the
    // fenced writes (completion, failure, heartbeat) say `state = 'running'` and find their rows by
    // id, and without table statistics the planner took this index for them instead and read every
    // entry of it, dead ones included: about 12 of a 16 ms completion of 400 jobs (bench noop-drain).
    {
      name: 'queue_job_leased_idx',
      expression: `create index queue_job_leased_idx on ${JOB_TABLE} (lease_until) where lease_until is not null`,
    },
    // Partial: most jobs have no pipeline and are unfinished for most of their life, and every
    // insert, claim and completion writes to each index whose key it covers. Lookups by pipeline and
    // purges by finished_at imply IS NOT NULL, so they still use them. Bench noop-drain, 20,000
    // jobs, 10 alternating runs on local PostgreSQL 15: median 11,983 -> 13,551 jobs/s.
    {
      name: 'queue_job_pipeline_idx',
      expression: `create index queue_job_pipeline_idx on ${JOB_TABLE} (pipeline_id) where pipeline_id is not null`,
    },
    {
      name: 'queue_job_finished_idx',
      expression: `create index queue_job_finished_idx on ${JOB_TABLE} (finished_at) where finished_at is not null`,
    },
  ],
  uniques: [
    {
      name: 'queue_job_unique_key_idx',
      expression: `create unique index queue_job_unique_key_idx on ${JOB_TABLE} (unique_key) where unique_key is not null and state in ('pending', 'blocked', 'running')`,
    },
  ],
});
