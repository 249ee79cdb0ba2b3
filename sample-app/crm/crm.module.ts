import { Module } from '@nestjs/common';
import { CrmClient } from './crm.client.js';
import { CrmJobs } from './crm.jobs.js';

@Module({ providers: [CrmClient, CrmJobs] })
export class CrmModule {}
