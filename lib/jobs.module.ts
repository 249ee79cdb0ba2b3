import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JOBS_MODULE_OPTIONS } from './jobs.constants.js';
import { JobsConfigurableModule, JOBS_OPTIONS_TYPE, JOBS_RAW_OPTIONS } from './jobs.module-definition.js';
import { resolveJobsOptions } from './jobs-options.resolver.js';
import type { JobsModuleOptions } from './interfaces/jobs-module-options.js';
import { JobMetadataAccessor } from './discovery/job-metadata.accessor.js';
import { JobRegistry } from './discovery/job.registry.js';
import { JobHooksRegistry } from './discovery/job-hooks.registry.js';
import { JobsExplorer } from './discovery/jobs.explorer.js';
import { JobStore } from './persistence/job.store.js';
import { JobsDatabaseInitializer } from './persistence/jobs-database.initializer.js';
import { JobRowFactory } from './queue/job-row.factory.js';
import { JobEnqueuer } from './queue/job-enqueuer.js';
import { JobQueue } from './queue/job-queue.service.js';
import { JobsInspector } from './queue/jobs-inspector.service.js';
import { JobConsumer } from './consumer/job-consumer.service.js';
import { Pipelines } from './pipeline/pipelines.service.js';
import { JobThreadPool } from './threads/job-thread.pool.js';
import { Schedules } from './schedule/schedules.service.js';
import { JobsTesting } from './testing/jobs-testing.service.js';
import { JobEventsBus } from './events/job-events.bus.js';
import { JobsHealthIndicator } from './health/jobs-health.indicator.js';
import { QueueGauges } from './telemetry/queue-gauges.service.js';

/**
 * `JobsModule.forRoot(options?)` or `JobsModule.forRootAsync({ imports, inject, useFactory })`.
 * Global by default (`isGlobal: false` to opt out): inject `JobQueue` and `JobConsumer` anywhere.
 * Needs `MikroOrmModule.forRoot()` in the same application, with `JOB_ENTITIES` among its entities.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: JOBS_MODULE_OPTIONS,
      useFactory: (raw: JobsModuleOptions) => resolveJobsOptions(raw),
      inject: [JOBS_RAW_OPTIONS],
    },
    { provide: JobStore, useFactory: () => new JobStore() },
    JobsDatabaseInitializer,
    JobMetadataAccessor,
    JobRegistry,
    JobHooksRegistry,
    JobsExplorer,
    JobThreadPool,
    JobRowFactory,
    JobEnqueuer,
    Pipelines,
    Schedules,
    JobQueue,
    JobsInspector,
    JobConsumer,
    JobsTesting,
    JobEventsBus,
    JobsHealthIndicator,
    QueueGauges,
  ],
  // JobEventsBus: for the operations console's event stream (JobsAdminModule), not in the public API.
  exports: [JobQueue, JobsInspector, JobConsumer, JobRegistry, JobsTesting, JobsHealthIndicator, JobEventsBus],
})
export class JobsModule extends JobsConfigurableModule {
  /** Options are optional: `JobsModule.forRoot()` uses every default. */
  static override forRoot(options: typeof JOBS_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
