import { Injectable } from '@nestjs/common';
import { Job } from '../decorators/job.decorator.js';
import type { JobContext } from '../interfaces/job-context.js';

export const JOBS_BENCH_JOB = 'jobs-bench.sleep';
export const JOBS_BENCH_QUEUE = 'jobs-bench';

/** The job `runJobsBenchmark()` creates: sleeps `ms` (0: a no-op), stopping early if aborted. */
@Injectable()
export class JobsBenchHandler {
  @Job(JOBS_BENCH_JOB, { queue: JOBS_BENCH_QUEUE, maxAttempts: 1 })
  async sleep(input: { ms: number }, ctx: JobContext): Promise<void> {
    if (!input.ms) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, input.ms);
      ctx.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        },
        { once: true },
      );
    });
  }
}
