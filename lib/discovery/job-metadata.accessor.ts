import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JOB_HANDLER_METADATA, JOB_HOOK_METADATA } from '../jobs.constants.js';
import type { JobHookMetadata } from '../decorators/job-hooks.decorator.js';
import type { JobHandlerMetadata } from '../decorators/job.decorator.js';

/** Reads `@Job()` metadata off a method. */
@Injectable()
export class JobMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getJobHandler(target: Function): JobHandlerMetadata | undefined {
    return this.reflector.get<JobHandlerMetadata>(JOB_HANDLER_METADATA, target);
  }

  getJobHook(target: Function): JobHookMetadata | undefined {
    return this.reflector.get<JobHookMetadata>(JOB_HOOK_METADATA, target);
  }
}
