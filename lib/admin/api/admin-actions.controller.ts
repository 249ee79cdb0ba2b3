import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { InvalidJobStateError } from '../../errors/invalid-job-state.error.js';
import type { JobRecord } from '../../interfaces/job-record.js';
import { TERMINAL_JOB_STATES } from '../../interfaces/job-state.js';
import { JobQueue } from '../../queue/job-queue.service.js';
import { AdminApi } from './admin-api.decorators.js';
import { BulkRetryBody, PurgeBody } from './admin-actions.dto.js';
import { definedOnly } from './admin-read.controller.js';

/**
 * The console's actions (every one a POST, so `AdminAccessGuard` applies `readOnly`, the
 * `X-Jobs-Admin` header, `Sec-Fetch-Site` and `actionGuard`). Each answers 200 with the result.
 */
@AdminApi()
@Controller('api')
export class AdminActionsController {
  constructor(private readonly queue: JobQueue) {}

  @Post('jobs/retry')
  @HttpCode(200)
  async retryMany(@Body() body: BulkRetryBody): Promise<{ retried: number }> {
    const { name, queue } = definedOnly(body);
    return { retried: await this.queue.retry({ ...(name ? { name } : {}), ...(queue ? { queue } : {}) }) };
  }

  @Post('jobs/:id/retry')
  @HttpCode(200)
  retry(@Param('id') id: string): Promise<JobRecord> {
    return this.queue.retry(id);
  }

  @Post('jobs/:id/discard')
  @HttpCode(200)
  discard(@Param('id') id: string): Promise<JobRecord> {
    return this.queue.discard(id);
  }

  /** 409 for a job already finished (`JobQueue.cancel` would return it unchanged). */
  @Post('jobs/:id/cancel')
  @HttpCode(200)
  async cancel(@Param('id') id: string): Promise<JobRecord> {
    const job = await this.queue.get(id);
    if (TERMINAL_JOB_STATES.includes(job.state)) {
      throw new InvalidJobStateError(
        `Job ${id} ('${job.name}') is ${job.state}: only an unfinished job can be cancelled.`,
      );
    }
    return this.queue.cancel(id);
  }

  @Post('queues/:queue/pause')
  @HttpCode(200)
  async pause(@Param('queue') queue: string): Promise<{ queue: string; paused: boolean }> {
    await this.queue.pauseQueue(queue);
    return { queue, paused: true };
  }

  @Post('queues/:queue/resume')
  @HttpCode(200)
  async resume(@Param('queue') queue: string): Promise<{ queue: string; paused: boolean }> {
    await this.queue.resumeQueue(queue);
    return { queue, paused: false };
  }

  @Post('purge')
  @HttpCode(200)
  async purge(@Body() body: PurgeBody): Promise<{ deleted: number }> {
    return { deleted: await this.queue.purge(definedOnly(body) as PurgeBody) };
  }
}
