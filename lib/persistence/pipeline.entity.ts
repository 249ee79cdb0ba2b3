import { EntitySchema } from '@mikro-orm/core';

/** A row of `queue_pipeline`. Its state is derived from its steps (`queue_job.pipeline_id`). */
export interface PipelineEntity {
  id: string;
  name: string | null;
  workspace: Record<string, unknown>;
  createdAt: Date;
}

export const PIPELINE_TABLE = 'queue_pipeline';

export const PipelineEntitySchema = new EntitySchema<PipelineEntity>({
  name: 'QueuePipeline',
  tableName: PIPELINE_TABLE,
  properties: {
    // SQLite stores an autoincrement key as `integer` whatever the declared type; without this,
    // orm.schema.update() sees a type change and rebuilds the table on every run.
    id: { type: 'bigint', primary: true, autoincrement: true, ignoreSchemaChanges: ['type'] },
    name: { type: 'string', length: 128, nullable: true },
    workspace: { type: 'json', defaultRaw: "'{}'" },
    createdAt: { type: 'datetime', fieldName: 'created_at' },
  },
});

/** An edge of a pipeline: `jobId` waits for `dependsOnId`. */
export interface JobDependencyEntity {
  jobId: string;
  dependsOnId: string;
  /** What `jobId` does when `dependsOnId` does not complete: fail, skip or run. */
  policy: string;
  /** Set on edges added by `ctx.spawn()`: the step that spawned `dependsOnId`. */
  viaId: string | null;
}

export const DEPENDENCY_TABLE = 'queue_job_dependency';

export const JobDependencyEntitySchema = new EntitySchema<JobDependencyEntity>({
  name: 'QueueJobDependency',
  tableName: DEPENDENCY_TABLE,
  properties: {
    jobId: { type: 'bigint', primary: true, fieldName: 'job_id' },
    dependsOnId: { type: 'bigint', primary: true, fieldName: 'depends_on_id' },
    policy: { type: 'string', length: 8, default: 'fail' },
    viaId: { type: 'bigint', fieldName: 'via_id', nullable: true },
  },
  indexes: [{ name: 'queue_job_dependency_depends_on_idx', properties: ['dependsOnId'] }],
});
