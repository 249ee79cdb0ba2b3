/**
 * A PostgreSQL server of the test's own, for tests that stop and restart the server. Never the
 * shared one in DATABASE_URL. Data survives `stop()`/`start()`; `destroy()` removes it.
 */
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres.js';

export type OwnPostgres = EmbeddedServer;

export function startOwnPostgres(): Promise<OwnPostgres> {
  return startEmbeddedPostgres({ name: 'own', persistent: true, maxConnections: 100 });
}
