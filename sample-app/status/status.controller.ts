import { ConflictException, Controller, Get, NotFoundException, Param, Post } from '@nestjs/common';
import { InvalidJobStateError, JobNotFoundError, JobQueue } from '../../lib/index.js';

/** Views of the queue (a job, a pipeline, the depth of each queue), and the retry of a failed job. */
@Controller()
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

  /** `GET /queues`: unfinished jobs per queue. */
  @Get('queues')
  queues() {
    return this.jobs.queueDepths();
  }
}

function checkId(id: string): string {
  if (!/^\d{1,18}$/.test(id)) throw new NotFoundException(`No job or pipeline has id '${id}'.`);
  return id;
}

async function notFoundAs404<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof JobNotFoundError) throw new NotFoundException(err.message);
    throw err;
  }
}
