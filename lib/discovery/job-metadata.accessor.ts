import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JOB_HANDLER_METADATA } from '../jobs.constants.js';
import type { JobHandlerMetadata } from '../decorators/job.decorator.js';

/** Reads `@Job()` metadata off a method. */
@Injectable()
export class JobMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getJobHandler(target: Function): JobHandlerMetadata | undefined {
    return this.reflector.get<JobHandlerMetadata>(JOB_HANDLER_METADATA, target);
  }
}
