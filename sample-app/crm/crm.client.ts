import { Injectable } from '@nestjs/common';

/** The CRM answered 401: retrying cannot help until someone rotates the token. */
export class CrmUnauthorizedError extends Error {
  override name = 'CrmUnauthorizedError';
}

/** A stand-in for a CRM's HTTP client whose API token was revoked: every call is refused. */
@Injectable()
export class CrmClient {
  async upsertContact(contactId: number): Promise<never> {
    await new Promise((r) => setTimeout(r, 2));
    throw new CrmUnauthorizedError(
      `CRM refused contact ${contactId}: 401 Unauthorized (API token revoked; set a new CRM_API_TOKEN)`,
    );
  }
}
