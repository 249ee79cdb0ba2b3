import {
  BadRequestException,
  ConflictException,
  Controller,
  Get,
  NotFoundException,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { InvalidJobOptionsError, InvalidJobStateError, JobNotFoundError, JobQueue } from '../../lib/index.js';
import { AdminTokenGuard } from '../admin/admin-token.guard.js';

/**
 * Views of the queue (a job, a pipeline, the depth of each queue), the retry of a failed job, pause
 * and resume: the app's own endpoints over `JobQueue`. They read inputs and stacks and change jobs,
 * so they sit behind the console's guard (`Authorization: Bearer <JOBS_ADMIN_TOKEN>`, everything
 * refused while the variable is unset), like /jobs-admin/.
 */
@Controller()
@UseGuards(AdminTokenGuard)
export class StatusController {
  constructor(private readonly jobs: JobQueue) {}

  /** `GET /jobs/42`: state, input, output, error and stack, attempts, progress, times. */
  @Get('jobs/:id')
  job(@Param('id') id: string) {
    return notFoundAs404(() => this.jobs.get(checkId(id)));
  }

  /** `POST /jobs/42/retry`: a failed or cancelled job runs again (409 for a job in another state). */
  @Post('jobs/:id/retry')
  async retry(@Param('id') id: string) {
    try {
      return await notFoundAs404(() => this.jobs.retry(checkId(id)));
    } catch (err) {
      if (err instanceof InvalidJobStateError) throw new ConflictException(err.message);
      throw err;
    }
  }

  /** `GET /pipelines/7`: state, progress { done, total }, steps by key, workspace. */
  @Get('pipelines/:id')
  pipeline(@Param('id') id: string) {
    return notFoundAs404(() => this.jobs.getPipeline(checkId(id)));
  }

  /** `GET /queues`: unfinished jobs per queue; a paused one has `paused: true`. */
  @Get('queues')
  queues() {
    return this.jobs.queueDepths();
  }

  /** `POST /queues/mail/pause`: every consumer stops claiming from the queue (running jobs finish). */
  @Post('queues/:queue/pause')
  async pause(@Param('queue') queue: string) {
    await badNameAs400(() => this.jobs.pauseQueue(queue));
    return this.jobs.queueDepths();
  }

  /** `POST /queues/mail/resume`. */
  @Post('queues/:queue/resume')
  async resume(@Param('queue') queue: string) {
    await badNameAs400(() => this.jobs.resumeQueue(queue));
    return this.jobs.queueDepths();
  }
}

function checkId(id: string): string {
  if (!/^\d{1,18}$/.test(id)) throw new NotFoundException(`No job or pipeline has id '${id}'.`);
  return id;
}

async function badNameAs400(call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (err instanceof InvalidJobOptionsError) throw new BadRequestException(err.message);
    throw err;
  }
}

async function notFoundAs404<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof JobNotFoundError) throw new NotFoundException(err.message);
    throw err;
  }
}
