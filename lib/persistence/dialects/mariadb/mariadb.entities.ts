import type { EntityMetadata, MikroORM, Platform } from '@mikro-orm/core';
import { JobsConfigurationError } from '../../../errors/configuration.error.js';
import { JOB_TABLE } from '../../job.entity.js';
import { PIPELINE_TABLE } from '../../pipeline.entity.js';
import { QUEUE_CONTROL_TABLE } from '../../queue-control.entity.js';
import { JOB_START_TABLE } from '../../job-start.entity.js';
import { SCHEDULE_TABLE } from '../../schedule.entity.js';

/** The states in which a job holds its unique key (`queue_job_unique_key_idx`). */
const UNFINISHED = `('pending', 'blocked', 'running')`;

/**
 * The generated column that stands in for PostgreSQL's partial unique index: it holds the job's
 * unique key while the job is unfinished and NULL after, and NULLs never collide in a unique index,
 * so any number of finished jobs share a key while at most one unfinished job holds it.
 */
export const UNIQUE_KEY_LIVE = {
  property: 'uniqueKeyLive',
  column: 'unique_key_live',
  expression: `case when state in ${UNFINISHED} then unique_key end`,
} as const;

/** Whether `platform` is MikroORM's MariaDB or MySQL platform (the MySQL family). */
export function isMysqlFamily(platform: Platform): boolean {
  return /maria|mysql/i.test(platform.constructor.name);
}

/**
 * MikroORM `discovery.onMetadata` hook: the queue's entities as MariaDB needs them. Nothing changes
 * on other databases, so it can always be set. The entities declare PostgreSQL's and SQLite's
 * partial indexes, which MariaDB has no syntax for, and `datetime` columns, which MariaDB keeps to
 * the second unless told a precision. MikroORM gives every ORM its own copy of an entity's metadata
 * before this hook runs, so one process can hold ORMs on several databases.
 */
export function adaptJobEntities(meta: EntityMetadata, platform: Platform): void {
  if (!isMysqlFamily(platform)) return;
  if (![JOB_TABLE, PIPELINE_TABLE, QUEUE_CONTROL_TABLE, JOB_START_TABLE, SCHEDULE_TABLE].includes(meta.tableName))
    return;
  // Milliseconds, as on the other databases: `get()` returns the same times everywhere.
  for (const prop of Object.values(meta.properties)) if (prop.type === 'datetime') prop.length = 3;
  if (meta.tableName !== JOB_TABLE) return;
  meta.addProperty({
    name: UNIQUE_KEY_LIVE.property as any,
    fieldNames: [UNIQUE_KEY_LIVE.column],
    type: 'string',
    length: 255,
    // Not `nullable`: MikroORM then writes no NULL clause, which MariaDB refuses after VIRTUAL (the
    // column is NULL for every finished job all the same).
    nullable: false,
    generated: `(${UNIQUE_KEY_LIVE.expression}) virtual`,
  } as any);
  // No partial indexes: the claim index leads with `state`, so a claim seeks straight to the pending
  // rows, in claim order (CLAIM_ORDER_SQL), whatever number of finished rows sit beside them.
  // The claim index's `columns` name only `priority`, for its DESC: MikroORM 7.2.1 reads back only
  // the columns of an index that carry options, so listing all four made `schema.update()` rebuild
  // the index every time; the key's columns come from `properties`.
  meta.indexes = [
    {
      name: 'queue_job_claim_idx',
      properties: ['state', 'priority', 'runAfter', 'id'],
      columns: [{ name: 'priority', sort: 'DESC' }],
    },
    { name: 'queue_job_leased_idx', properties: ['leaseUntil'] },
    { name: 'queue_job_pipeline_idx', properties: ['pipelineId'] },
    { name: 'queue_job_finished_idx', properties: ['finishedAt'] },
    { name: 'queue_job_unique_recent_idx', properties: ['uniqueKey', 'createdAt'] },
    // Running jobs per name and key (a limited claim's per-key counts), led by `state` as the claim's.
    { name: 'queue_job_running_key_idx', properties: ['state', 'name', 'concurrencyKey'] },
  ] as any;
  meta.uniques = [{ name: 'queue_job_unique_key_idx', properties: [UNIQUE_KEY_LIVE.property] }] as any;
}

/** Whether `adaptJobEntities` ran for this ORM's job entity. */
export function jobEntitiesAdapted(meta: EntityMetadata | undefined): boolean {
  return !!meta?.properties[UNIQUE_KEY_LIVE.property as keyof typeof meta.properties];
}

/**
 * At attach: refuses MikroORM's MySQL platform (MySQL has no RETURNING; only MariaDB is supported),
 * and an ORM whose job entities were not adapted (their partial indexes cannot be created on MariaDB,
 * and its times would be cut to the second).
 */
export function checkMariadbOrm(orm: MikroORM): void {
  const platform = orm.em.getPlatform();
  if (!/maria/i.test(platform.constructor.name)) {
    throw new JobsConfigurationError(
      `nestjs-job-pipelines does not support MySQL (${platform.constructor.name}): it has no INSERT/DELETE ... RETURNING. Use MariaDB 10.6 or later with @mikro-orm/mariadb.`,
    );
  }
  const job = [...orm.getMetadata().getAll().values()].find((m) => m.tableName === JOB_TABLE);
  if (job && !jobEntitiesAdapted(job)) {
    throw new JobsConfigurationError(
      "On MariaDB, the queue's entities need MikroORM's discovery hook: add `discovery: { onMetadata: adaptJobEntities }` (exported by nestjs-job-pipelines) to the MikroORM options.",
    );
  }
}
