/**
 * The version of the queue's tables. Apps on MikroORM migrations add one migration per version:
 * `for (const sql of jobsSchemaSql('postgresql', 0)) this.addSql(sql);` (see README, "Schema").
 */
export const JOBS_SCHEMA_VERSION = 3;

/**
 * `queue_job.trace_context`: a `traceparent` (55 characters in version 00), a space and a `tracestate`,
 * which W3C lets a propagator cut to 512 characters (the queue drops a longer one).
 */
export const TRACE_CONTEXT_LENGTH = 600;

/** The column types a database writes the tables with. */
export interface SchemaTypes {
  timestamp: string;
  json: string;
  /** An autoincrement primary key. */
  id: string;
}

/**
 * The indexes of `queue_job`, the one source of their DDL: `JobEntitySchema` declares them (so
 * `orm.schema.update()` sees nothing to change) and `schemaSql` writes them.
 */
export const JOB_INDEXES = {
  // The claim reads due jobs in claim order (CLAIM_ORDER_SQL: priority higher first, then
  // run_after, then id). Only pending rows are in this index, so finished and blocked jobs never slow
  // the claim down.
  claim: {
    name: 'queue_job_claim_idx',
    expression: `create index queue_job_claim_idx on queue_job (priority desc, run_after, id) where state = 'pending'`,
  },
  // Rescue of lapsed leases scans only leased (running) rows. Not `where state = 'running'`: the
  // fenced writes (completion, failure, heartbeat) say `state = 'running'` and find their rows by
  // id, and without table statistics the planner took this index for them instead and read every
  // entry of it, dead ones included: about 12 of a 16 ms completion of 400 jobs (bench noop-drain).
  leased: {
    name: 'queue_job_leased_idx',
    expression: `create index queue_job_leased_idx on queue_job (lease_until) where lease_until is not null`,
  },
  // Partial: most jobs have no pipeline and are unfinished for most of their life, and every
  // insert, claim and completion writes to each index whose key it covers. Lookups by pipeline and
  // purges by finished_at imply IS NOT NULL, so they still use them. Bench noop-drain, 20,000
  // jobs, 10 alternating runs on local PostgreSQL 15: median 11,983 -> 13,551 jobs/s.
  pipeline: {
    name: 'queue_job_pipeline_idx',
    expression: `create index queue_job_pipeline_idx on queue_job (pipeline_id) where pipeline_id is not null`,
  },
  finished: {
    name: 'queue_job_finished_idx',
    expression: `create index queue_job_finished_idx on queue_job (finished_at) where finished_at is not null`,
  },
  // Version 2. Running jobs per name and concurrency key, counted by the claim of a name with
  // `concurrency.perKey`. Only keyed running rows are in it: jobs without a key never write to it,
  // and the fenced writes (which say `state = 'running'` but nothing of the key) cannot pick it.
  runningKey: {
    name: 'queue_job_running_key_idx',
    expression: `create index queue_job_running_key_idx on queue_job (name, concurrency_key) where state = 'running' and concurrency_key is not null`,
  },
  uniqueKey: {
    name: 'queue_job_unique_key_idx',
    expression: `create unique index queue_job_unique_key_idx on queue_job (unique_key) where unique_key is not null and state in ('pending', 'blocked', 'running')`,
  },
  // Version 2. `unique: { key, forMs }` looks a key up among finished jobs too, by creation time.
  // Partial, so jobs without a key (most) cost nothing on insert.
  uniqueRecent: {
    name: 'queue_job_unique_recent_idx',
    expression: `create index queue_job_unique_recent_idx on queue_job (unique_key, created_at) where unique_key is not null`,
  },
  // Version 3. The operator's list of failed (or cancelled) jobs, newest first (`selectJobPage`):
  // an index scan from the newest entry that stops after a page, where walking the primary key down
  // would read every newer finished row first (all of a million completed jobs when the failures
  // are old). Partial on purpose: a row enters it only when it ends failed or cancelled (a last
  // failure, a cancel, a discard, a failed dependency), so inserts, claims and completions, the hot
  // path, never write to it. A full (state, id) index would take an entry on every insert and on
  // every state change of every job (two or three more index writes per job) to speed up lists of
  // pending and completed jobs, which the claim index and the primary key serve well enough.
  // `or`, not `in`: SQLite uses a partial index only when a term of the query matches one of its
  // OR-ed terms. Bench admin-list (1,000,000 finished rows).
  endedBadly: {
    name: 'queue_job_ended_badly_idx',
    expression: `create index queue_job_ended_badly_idx on queue_job (state, id) where state = 'failed' or state = 'cancelled'`,
  },
} as const;

/** The indexes version 1 created. */
const V1_INDEXES = [
  JOB_INDEXES.claim,
  JOB_INDEXES.leased,
  JOB_INDEXES.pipeline,
  JOB_INDEXES.finished,
  JOB_INDEXES.uniqueKey,
];

/**
 * DDL that brings the queue's tables from version `from` to `JOBS_SCHEMA_VERSION`, in a database's
 * column types. Matches `JOB_ENTITIES`, so `orm.schema.update()` sees nothing to change afterwards.
 * A dialect adds its own statements after these (see `jobsSchemaSql`).
 */
export function schemaSql(types: SchemaTypes, from = 0): string[] {
  const { timestamp: ts, json, id } = types;
  // `bigint` on SQLite too: the same INTEGER affinity, and the type MikroORM compares the entities with.
  const big = 'bigint';
  const out: string[] = [];
  if (from < 1) {
    out.push(
      `create table queue_job (id ${id}, name varchar(128) not null, queue varchar(64) not null default 'default', state varchar(16) not null, priority int not null default 0, input ${json} null, output ${json} null, error ${json} null, attempt_log ${json} not null default '[]', attempts int not null default 0, max_attempts int not null, backoff ${json} null, timeout_ms int null, run_after ${ts} not null, created_at ${ts} not null, started_at ${ts} null, finished_at ${ts} null, locked_by varchar(64) null, lease_until ${ts} null, cancel_requested boolean not null default false, progress ${json} null, pipeline_id ${big} null, step varchar(128) null, parent_id ${big} null, blocking_deps int not null default 0, unique_key varchar(255) null)`,
      ...V1_INDEXES.map((i) => i.expression),
      `create table queue_pipeline (id ${id}, name varchar(128) null, workspace ${json} not null default '{}', created_at ${ts} not null)`,
      `create table queue_job_dependency (job_id ${big} not null, depends_on_id ${big} not null, policy varchar(8) not null default 'fail', via_id ${big} null, primary key (job_id, depends_on_id))`,
      `create index queue_job_dependency_depends_on_idx on queue_job_dependency (depends_on_id)`,
    );
  }
  if (from < 2) {
    // Version 2 (nothing was released at version 2 before, so it holds both parts of job control):
    // dedup by recent key (the unique-recent index); pause and resume (queue_control), rate limits
    // (queue_job_start), per-key concurrency (concurrency_key and the index of running keyed jobs).
    out.push(
      JOB_INDEXES.uniqueRecent.expression,
      `alter table queue_job add column concurrency_key varchar(255) null`,
      JOB_INDEXES.runningKey.expression,
      `create table queue_control (queue varchar(64) not null, paused boolean not null default false, updated_at ${ts} not null, primary key (queue))`,
      `create table queue_job_start (id ${id}, name varchar(128) not null, started_at ${ts} not null)`,
      `create index queue_job_start_name_idx on queue_job_start (name, started_at)`,
    );
  }
  if (from < 3) {
    // Version 3: the index of failed and cancelled jobs (the console's lists); rate limits per queue
    // (queue_job_start.scope: a start counted for a job name or for a queue); the trace context of the
    // span that enqueued a job (trace_context, null without tracing); schedules made at run time
    // (`JobQueue.schedule`), found by their next run.
    out.push(
      JOB_INDEXES.endedBadly.expression,
      `alter table queue_job_start add column scope varchar(8) not null default 'name'`,
      `alter table queue_job add column trace_context varchar(${TRACE_CONTEXT_LENGTH}) null`,
    );
    out.push(
      `create table queue_schedule (schedule_key varchar(255) not null, cron varchar(255) not null, name varchar(128) not null, input ${json} null, options ${json} null, time_zone varchar(64) null, missed varchar(32) not null, next_run_at ${ts} not null, last_run_at ${ts} null, version int not null default 0, created_at ${ts} not null, updated_at ${ts} not null, primary key (schedule_key))`,
      `create index queue_schedule_next_idx on queue_schedule (next_run_at)`,
    );
  }
  return out;
}
