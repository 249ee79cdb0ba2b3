import { Injectable } from '@nestjs/common';
import { Job } from '../../lib/index.js';
import { CrmClient } from './crm.client.js';

export interface CrmSyncInput {
  contactId: number;
}

@Injectable()
export class CrmJobs {
  constructor(private readonly crm: CrmClient) {}

  /** Always fails (the token is revoked): two attempts, then `failed` with the error and its stack. */
  @Job('crm.sync', { maxAttempts: 2, backoff: { baseMs: 100, maxMs: 500, jitter: false } })
  async sync(input: CrmSyncInput): Promise<void> {
    await this.crm.upsertContact(input.contactId);
  }
}
