import { Injectable } from '@nestjs/common';

/** The CRM answered 401: retrying cannot help until someone rotates the token. */
export class CrmUnauthorizedError extends Error {
  override name = 'CrmUnauthorizedError';
}

/**
 * A stand-in for a CRM's HTTP client. Its API token was revoked: every call is refused until the
 * process runs with a new one in `CRM_API_TOKEN` (read at each call, as a client reading its
 * credentials from the environment would). The operations console's story: the jobs fail, someone
 * rotates the token and restarts the consumers, then retries the failed jobs from the dashboard.
 */
@Injectable()
export class CrmClient {
  async upsertContact(contactId: number): Promise<{ contactId: number; synced: true }> {
    await new Promise((r) => setTimeout(r, 2));
    if (process.env.CRM_API_TOKEN) return { contactId, synced: true };
    throw new CrmUnauthorizedError(
      `CRM refused contact ${contactId}: 401 Unauthorized (API token revoked; set a new CRM_API_TOKEN)`,
    );
  }
}
