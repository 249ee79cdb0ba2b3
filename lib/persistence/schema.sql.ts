import type { Dialect } from './sql.util.js';

/**
 * The version of the queue's tables. Apps on MikroORM migrations add one migration per version:
 * `for (const sql of jobsSchemaSql('postgresql', 0)) this.addSql(sql);` (see README, "Schema").
 */
export const JOBS_SCHEMA_VERSION = 1;

const TIMESTAMP: Record<Dialect, string> = { postgresql: 'timestamptz', sqlite: 'datetime' };
const JSON_TYPE: Record<Dialect, string> = { postgresql: 'jsonb', sqlite: 'json' };
const ID: Record<Dialect, string> = {
  postgresql: 'bigserial primary key',
  // `not null` as MikroORM declares it (SQLite reports a bare `integer primary key` as nullable).
  sqlite: 'integer not null primary key autoincrement',
};

/**
 * DDL that brings the queue's tables from version `from` to `JOBS_SCHEMA_VERSION`, for the given
 * dialect. Matches `JOB_ENTITIES`, so `orm.schema.update()` sees nothing to change afterwards.
 */
export function jobsSchemaSql(dialect: Dialect, from = 0): string[] {
  const ts = TIMESTAMP[dialect];
  const json = JSON_TYPE[dialect];
  // `bigint` on SQLite too: the same INTEGER affinity, and the type MikroORM compares the entities with.
  const big = 'bigint';
  const out: string[] = [];
  if (from < 1) {
    out.push(
      `create table queue_job (id ${ID[dialect]}, name varchar(128) not null, queue varchar(64) not null default 'default', state varchar(16) not null, priority int not null default 0, input ${json} null, output ${json} null, error ${json} null, attempt_log ${json} not null default '[]', attempts int not null default 0, max_attempts int not null, backoff ${json} null, timeout_ms int null, run_after ${ts} not null, created_at ${ts} not null, started_at ${ts} null, finished_at ${ts} null, locked_by varchar(64) null, lease_until ${ts} null, cancel_requested boolean not null default false, progress ${json} null, pipeline_id ${big} null, step varchar(128) null, parent_id ${big} null, blocking_deps int not null default 0, unique_key varchar(255) null)`,
      `create index queue_job_claim_idx on queue_job (priority desc, run_after, id) where state = 'pending'`,
      `create index queue_job_leased_idx on queue_job (lease_until) where lease_until is not null`,
      `create index queue_job_pipeline_idx on queue_job (pipeline_id) where pipeline_id is not null`,
      `create index queue_job_finished_idx on queue_job (finished_at) where finished_at is not null`,
      `create unique index queue_job_unique_key_idx on queue_job (unique_key) where unique_key is not null and state in ('pending', 'blocked', 'running')`,
      `create table queue_pipeline (id ${ID[dialect]}, name varchar(128) null, workspace ${json} not null default '{}', created_at ${ts} not null)`,
      `create table queue_job_dependency (job_id ${big} not null, depends_on_id ${big} not null, policy varchar(8) not null default 'fail', via_id ${big} null, primary key (job_id, depends_on_id))`,
      `create index queue_job_dependency_depends_on_idx on queue_job_dependency (depends_on_id)`,
    );
    if (dialect === 'postgresql') out.push(...tuneAutovacuum());
  }
  return out;
}

/**
 * Job rows are updated several times in seconds and then deleted; with default autovacuum, dead
 * rows pile up and claims slow down. Vacuum this table early and often (issue #5's measurements:
 * 2-3x throughput and stable figures).
 */
export function tuneAutovacuum(): string[] {
  return [
    `alter table queue_job set (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000, autovacuum_analyze_scale_factor = 0.02, autovacuum_vacuum_cost_limit = 2000, fillfactor = 80)`,
  ];
}
