import { EntitySchema } from '@mikro-orm/core';

/**
 * A row of `queue_job_start`: one start of a rate-limited job, written by the claim that started it
 * and deleted by the next claim of that name once it is older than the name's window. Only
 * rate-limited names write here, so other jobs' claims pay nothing for rate limits.
 */
export interface JobStartEntity {
  id: string;
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
    name: { type: 'string', length: 128 },
    startedAt: { type: 'datetime', fieldName: 'started_at' },
  },
  indexes: [{ name: 'queue_job_start_name_idx', properties: ['name', 'startedAt'] }],
});
