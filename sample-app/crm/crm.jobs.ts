import { Injectable } from '@nestjs/common';
import { Job } from '../../lib/index.js';
import { CrmClient } from './crm.client.js';

export interface CrmSyncInput {
  contactId: number;
}

@Injectable()
export class CrmJobs {
  constructor(private readonly crm: CrmClient) {}

  /**
   * Fails while the token is revoked (no `CRM_API_TOKEN`): two attempts, then `failed` with the
   * error and its stack; retried once the consumers have a new token, it completes.
   * The CRM's API takes at most 10 calls a second from us, whatever number of consumers run: the
   * rate limit holds across all of them.
   */
  @Job('crm.sync', {
    maxAttempts: 2,
    backoff: { baseMs: 100, maxMs: 500, jitter: false },
    rateLimit: { max: 10, perMs: 1_000 },
  })
  async sync(input: CrmSyncInput): Promise<{ contactId: number; synced: true }> {
    return this.crm.upsertContact(input.contactId);
  }
}
