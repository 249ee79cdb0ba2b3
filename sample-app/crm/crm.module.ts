import { Module } from '@nestjs/common';
import { CrmClient } from './crm.client.js';
import { CrmController } from './crm.controller.js';
import { CrmJobs } from './crm.jobs.js';

@Module({ controllers: [CrmController], providers: [CrmClient, CrmJobs] })
export class CrmModule {}
