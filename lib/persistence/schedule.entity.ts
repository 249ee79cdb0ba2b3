import { EntitySchema } from '@mikro-orm/core';

/**
 * A row of `queue_schedule` (schema version 3): a schedule made at run time with
 * `JobQueue.schedule()`. Every consumer process reads it, and the one that advances `nextRunAt`
 * (compare-and-set on `version`) enqueues that occurrence in the same transaction.
 */
export interface ScheduleEntity {
  /** The caller's name for the schedule (`schedule_key`: `key` is a reserved word on MariaDB). */
  key: string;
  cron: string;
  /** The job enqueued at each occurrence. */
  name: string;
  input: unknown;
  /** Enqueue options of each occurrence's job (`queue`, `priority`, `maxAttempts`, `timeoutMs`), JSON. */
  options: unknown;
  timeZone: string | null;
  /** `skip`, `once` or `catchUp:<n>`. */
  missed: string;
  nextRunAt: Date;
  lastRunAt: Date | null;
  /** Bumped by every write: a consumer advances the row only from the version it read. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const SCHEDULE_TABLE = 'queue_schedule';

/** Due schedules are found by time; the DDL is in schema.sql.ts. */
export const SCHEDULE_NEXT_INDEX = 'queue_schedule_next_idx';

export const ScheduleEntitySchema = new EntitySchema<ScheduleEntity>({
  name: 'QueueSchedule',
  tableName: SCHEDULE_TABLE,
  properties: {
    key: { type: 'string', length: 255, primary: true, fieldName: 'schedule_key' },
    cron: { type: 'string', length: 255 },
    name: { type: 'string', length: 128 },
    input: { type: 'json', nullable: true },
    options: { type: 'json', nullable: true },
    timeZone: { type: 'string', length: 64, fieldName: 'time_zone', nullable: true },
    missed: { type: 'string', length: 32 },
    nextRunAt: { type: 'datetime', fieldName: 'next_run_at' },
    lastRunAt: { type: 'datetime', fieldName: 'last_run_at', nullable: true },
    version: { type: 'integer', default: 0 },
    createdAt: { type: 'datetime', fieldName: 'created_at' },
    updatedAt: { type: 'datetime', fieldName: 'updated_at' },
  },
  indexes: [{ name: SCHEDULE_NEXT_INDEX, properties: ['nextRunAt'] }],
});
