import { Module } from '@nestjs/common';
import { MediaController } from './media.controller.js';
import { MediaJobs } from './media.jobs.js';

@Module({ controllers: [MediaController], providers: [MediaJobs] })
export class MediaModule {}
