import { EntitySchema } from '@mikro-orm/core';

/**
 * A row of `queue_job_start`: one start of a job of a rate-limited name (`scope` 'name', `name` the
 * job's name) or in a rate-limited queue (`scope` 'queue', `name` the queue's), written by the claim
 * that started it and deleted by the next claim of that name or queue once it is older than its
 * window. Only rate-limited names and queues write here, so other jobs' claims pay nothing for rate
 * limits. A job both of whose limits count starts writes one row per scope.
 */
export interface JobStartEntity {
  id: string;
  /** 'name' or 'queue': what `name` names. */
  scope: string;
  name: string;
  startedAt: Date;
}

export const JOB_START_TABLE = 'queue_job_start';

export const JobStartEntitySchema = new EntitySchema<JobStartEntity>({
  name: 'QueueJobStart',
  tableName: JOB_START_TABLE,
  properties: {
    id: {
      type: 'bigint',
      primary: true,
      autoincrement: true,
      ignoreSchemaChanges: ['type'],
    },
    scope: { type: 'string', length: 8, default: 'name' },
    name: { type: 'string', length: 128 },
    startedAt: { type: 'datetime', fieldName: 'started_at' },
  },
  indexes: [{ name: 'queue_job_start_name_idx', properties: ['name', 'startedAt'] }],
});
