import { JobEntitySchema } from './job.entity.js';
import { JobStartEntitySchema } from './job-start.entity.js';
import { JobDependencyEntitySchema, PipelineEntitySchema } from './pipeline.entity.js';
import { QueueControlEntitySchema } from './queue-control.entity.js';
import { ScheduleEntitySchema } from './schedule.entity.js';

/** The queue's MikroORM entities: add them to your ORM config's `entities`. */
export const JOB_ENTITIES = [
  JobEntitySchema,
  PipelineEntitySchema,
  JobDependencyEntitySchema,
  QueueControlEntitySchema,
  JobStartEntitySchema,
  ScheduleEntitySchema,
] as const;
