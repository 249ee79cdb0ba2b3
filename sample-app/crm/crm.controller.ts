import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { IsInt, Min } from 'class-validator';
import { JobQueue } from '../../lib/index.js';

class CrmSyncBody {
  @IsInt()
  @Min(1)
  contactId!: number;
}

@Controller('crm')
export class CrmController {
  constructor(private readonly jobs: JobQueue) {}

  /** `POST /crm/syncs {"contactId":1}`: enqueues a `crm.sync`, which fails while the CRM token is revoked. */
  @Post('syncs')
  @HttpCode(202)
  async sync(@Body() body: CrmSyncBody) {
    const job = await this.jobs.enqueue('crm.sync', { contactId: body.contactId });
    return { jobId: job.id, state: job.state };
  }
}
