import { Module } from '@nestjs/common';
import { MailJobs } from './mail.jobs.js';
import { MailTransport } from './mail.transport.js';

@Module({ providers: [MailTransport, MailJobs] })
export class MailModule {}
