import { TRACE_CONTEXT_LENGTH } from '../../schema.sql.js';
import { UNIQUE_KEY_LIVE } from './mariadb.entities.js';

/**
 * The queue's tables on MariaDB, as MikroORM writes them from `JOB_ENTITIES` adapted by
 * `adaptJobEntities`: `datetime(3)` holding UTC, `json` (MariaDB's alias of `longtext` with a
 * `json_valid` check), and plain indexes where PostgreSQL has partial ones (see `adaptJobEntities`).
 */
export function mariadbSchemaSql(from: number): string[] {
  const ts = 'datetime(3)';
  const v1 = [
    `create table \`queue_job\` (\`id\` bigint unsigned not null auto_increment primary key, \`name\` varchar(128) not null, \`queue\` varchar(64) not null default 'default', \`state\` varchar(16) not null, \`priority\` int not null default 0, \`input\` json null, \`output\` json null, \`error\` json null, \`attempt_log\` json not null default ('[]'), \`attempts\` int not null default 0, \`max_attempts\` int not null, \`backoff\` json null, \`timeout_ms\` int null, \`run_after\` ${ts} not null, \`created_at\` ${ts} not null, \`started_at\` ${ts} null, \`finished_at\` ${ts} null, \`locked_by\` varchar(64) null, \`lease_until\` ${ts} null, \`cancel_requested\` tinyint(1) not null default false, \`progress\` json null, \`pipeline_id\` bigint null, \`step\` varchar(128) null, \`parent_id\` bigint null, \`blocking_deps\` int not null default 0, \`unique_key\` varchar(255) null, \`${UNIQUE_KEY_LIVE.column}\` varchar(255) generated always as (${UNIQUE_KEY_LIVE.expression}) virtual) default character set utf8mb4 engine = InnoDB`,
    'alter table `queue_job` add index `queue_job_claim_idx` (`state`, `priority` DESC, `run_after`, `id`)',
    'alter table `queue_job` add index `queue_job_leased_idx` (`lease_until`)',
    'alter table `queue_job` add index `queue_job_pipeline_idx` (`pipeline_id`)',
    'alter table `queue_job` add index `queue_job_finished_idx` (`finished_at`)',
    `alter table \`queue_job\` add unique \`queue_job_unique_key_idx\` (\`${UNIQUE_KEY_LIVE.column}\`)`,
    "create table `queue_job_dependency` (`job_id` bigint unsigned not null, `depends_on_id` bigint unsigned not null, `policy` varchar(8) not null default 'fail', `via_id` bigint null, primary key (`job_id`, `depends_on_id`)) default character set utf8mb4 engine = InnoDB",
    'alter table `queue_job_dependency` add index `queue_job_dependency_depends_on_idx` (`depends_on_id`)',
    `create table \`queue_pipeline\` (\`id\` bigint unsigned not null auto_increment primary key, \`name\` varchar(128) null, \`workspace\` json not null default ('{}'), \`created_at\` ${ts} not null) default character set utf8mb4 engine = InnoDB`,
  ];
  // Version 2: `unique: { key, forMs }` looks a key up among finished jobs too, by creation time.
  // A plain index (MariaDB has no partial ones): jobs without a key share its NULL prefix. Pause
  // (queue_control), rate limits (queue_job_start), per-key concurrency (concurrency_key and the
  // running-key index, led by `state` where PostgreSQL's is partial).
  const v2 = [
    'alter table `queue_job` add index `queue_job_unique_recent_idx` (`unique_key`, `created_at`)',
    'alter table `queue_job` add `concurrency_key` varchar(255) null',
    'alter table `queue_job` add index `queue_job_running_key_idx` (`state`, `name`, `concurrency_key`)',
    `create table \`queue_control\` (\`queue\` varchar(64) not null, \`paused\` tinyint(1) not null default false, \`updated_at\` ${ts} not null, primary key (\`queue\`)) default character set utf8mb4 engine = InnoDB`,
    `create table \`queue_job_start\` (\`id\` bigint unsigned not null auto_increment primary key, \`name\` varchar(128) not null, \`started_at\` ${ts} not null) default character set utf8mb4 engine = InnoDB`,
    'alter table `queue_job_start` add index `queue_job_start_name_idx` (`name`, `started_at`)',
  ];
  // Version 3 adds no index of failed and cancelled jobs here: PostgreSQL's and SQLite's partial index
  // has no MariaDB form but a full one, written by every insert and claim. The claim index leads with
  // `state`, so a list of failed jobs reads the failed rows from it (then sorts them by id).
  // Version 3: rate limits per queue (queue_job_start.scope), the enqueuing span's trace context,
  // schedules made at run time (`JobQueue.schedule`), found by their next run.
  const v3 = [
    "alter table `queue_job_start` add `scope` varchar(8) not null default 'name'",
    `alter table \`queue_job\` add \`trace_context\` varchar(${TRACE_CONTEXT_LENGTH}) null`,
    `create table \`queue_schedule\` (\`schedule_key\` varchar(255) not null, \`cron\` varchar(255) not null, \`name\` varchar(128) not null, \`input\` json null, \`options\` json null, \`time_zone\` varchar(64) null, \`missed\` varchar(32) not null, \`next_run_at\` ${ts} not null, \`last_run_at\` ${ts} null, \`version\` int not null default 0, \`created_at\` ${ts} not null, \`updated_at\` ${ts} not null, primary key (\`schedule_key\`)) default character set utf8mb4 engine = InnoDB`,
    'alter table `queue_schedule` add index `queue_schedule_next_idx` (`next_run_at`)',
  ];
  return [...(from < 1 ? v1 : []), ...(from < 2 ? v2 : []), ...(from < 3 ? v3 : [])];
}
