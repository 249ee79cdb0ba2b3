import { SetMetadata } from '@nestjs/common';
import { JOB_HANDLER_METADATA } from '../jobs.constants.js';
import type { JobHandlerOptions } from '../interfaces/job-options.js';

export interface JobHandlerMetadata {
  name: string;
  options: JobHandlerOptions;
}

/**
 * Marks a provider method as the handler of job `name`: `(input, ctx: JobContext) => output`.
 * Only records metadata; `JobsModule` finds it at init.
 */
export function Job(name: string, options: JobHandlerOptions = {}): MethodDecorator {
  return SetMetadata<string, JobHandlerMetadata>(JOB_HANDLER_METADATA, { name, options });
}
