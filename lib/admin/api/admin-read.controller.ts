import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import type { JobRecord } from '../../interfaces/job-record.js';
import type { JobPage, PipelineGraph, QueueOverview, ThroughputBucket } from '../../interfaces/jobs-inspector.types.js';
import { JobQueue } from '../../queue/job-queue.service.js';
import { JobsInspector } from '../../queue/jobs-inspector.service.js';
import { JOBS_ADMIN_OPTIONS } from '../jobs-admin.constants.js';
import type { ResolvedJobsAdminOptions } from '../jobs-admin-options.js';
import { AdminApi } from './admin-api.decorators.js';
import { JobListQuery, ThroughputQuery } from './job-list.query.js';

/** The console's reads: queues, throughput, jobs (a page, or one whole), pipelines. */
@AdminApi()
@Controller('api')
export class AdminReadController {
  constructor(
    private readonly inspector: JobsInspector,
    private readonly queue: JobQueue,
    @Inject(JOBS_ADMIN_OPTIONS) private readonly options: ResolvedJobsAdminOptions,
  ) {}

  /** With `readOnly`, so the dashboard (which asks this first) hides the actions it would be refused. */
  @Get('queues')
  async queues(): Promise<{ queues: QueueOverview[]; readOnly: boolean }> {
    return { queues: await this.inspector.queueOverview(), readOnly: this.options.readOnly };
  }

  @Get('throughput')
  async throughput(@Query() query: ThroughputQuery): Promise<{ buckets: ThroughputBucket[] }> {
    return { buckets: await this.inspector.throughput(query.minutes ?? 60) };
  }

  @Get('jobs')
  jobs(@Query() query: JobListQuery): Promise<JobPage> {
    const { createdAfter, createdBefore, ...rest } = query;
    return this.inspector.listJobs({
      ...definedOnly(rest),
      ...(createdAfter !== undefined ? { createdAfter: new Date(createdAfter) } : {}),
      ...(createdBefore !== undefined ? { createdBefore: new Date(createdBefore) } : {}),
    });
  }

  /** The job whole: input, output, error with its stack, attempt log, progress. */
  @Get('jobs/:id')
  job(@Param('id') id: string): Promise<JobRecord> {
    return this.queue.get(id);
  }

  @Get('pipelines/:id')
  pipeline(@Param('id') id: string): Promise<PipelineGraph> {
    return this.inspector.pipelineGraph(id);
  }
}

/** The fields given (class-transformer leaves absent ones as undefined keys). */
export function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
