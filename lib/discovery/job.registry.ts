import { Injectable } from '@nestjs/common';
import { DuplicateJobError } from '../errors/duplicate-job.error.js';
import { UnknownJobError } from '../errors/unknown-job.error.js';
import type { JobHandlerOptions } from '../interfaces/job-options.js';
import type { JobContext } from '../interfaces/job-context.js';
import type { ResolvedThread } from '../threads/thread-option.util.js';
import type { JobLimit } from '../persistence/store.types.js';

export interface RegisteredJob {
  name: string;
  options: JobHandlerOptions;
  /** Where it was declared, for error messages: `Class.method`. */
  source: string;
  handler: (input: unknown, ctx: JobContext) => unknown;
  /** Set for `@Job({ thread })`: the handler runs this module in the worker-thread pool. */
  thread?: ResolvedThread;
  /** Its `rateLimit` / `concurrency`, checked; undefined without any. */
  limits?: JobLimit;
}

/** Every `@Job()` handler of the application, by name. Filled by the explorer at module init. */
@Injectable()
export class JobRegistry {
  private readonly jobs = new Map<string, RegisteredJob>();

  register(job: RegisteredJob): void {
    const existing = this.jobs.get(job.name);
    if (existing) {
      throw new DuplicateJobError(
        `Job name '${job.name}' is used by both ${existing.source} and ${job.source}. Job names must be unique: rename one of them.`,
      );
    }
    this.jobs.set(job.name, job);
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  get(name: string): RegisteredJob {
    const job = this.jobs.get(name);
    if (!job) {
      const known = [...this.jobs.keys()].sort().join(', ') || 'none';
      throw new UnknownJobError(
        `No @Job() handler is registered as '${name}'. Known jobs: ${known}. Check the name, and that the provider declaring it is in a module imported by this application.`,
      );
    }
    return job;
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }
}
