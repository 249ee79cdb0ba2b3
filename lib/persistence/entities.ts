import { JobEntitySchema } from './job.entity.js';
import { JobDependencyEntitySchema, PipelineEntitySchema } from './pipeline.entity.js';

/** The queue's MikroORM entities: add them to your ORM config's `entities`. */
export const JOB_ENTITIES = [JobEntitySchema, PipelineEntitySchema, JobDependencyEntitySchema] as const;
