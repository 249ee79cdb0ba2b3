import type { MikroORM } from '@mikro-orm/core';

/** What the queue's own connections use of a node-postgres client. */
export interface PgClient {
  connect(): Promise<unknown>;
  query(config: { name?: string; text: string; values?: unknown[] } | string): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeAllListeners(event?: string): unknown;
  emit(event: string, ...args: unknown[]): boolean;
}

type PgClientClass = new (options: object) => PgClient;

/**
 * How to open a connection beside the ORM's pool (LISTEN, the claim session): the node-postgres
 * `Client` class of the ORM's own driver, and the pool's options (type parsers included, so rows
 * come back as from the pool). The class is taken from the pool, not from an import of `pg`: an
 * application may hold node-postgres only under MikroORM's driver (nested under it, or with
 * pnpm), where this package cannot resolve it (the packed library's check, test/pack: every claim
 * of a backlog failed, and LISTEN fell back to polling).
 */
export async function pgClientFactory(orm: MikroORM): Promise<(extra?: object) => PgClient> {
  const connection = orm.em.getConnection() as {
    getNativeClient?: () => Promise<unknown>;
    mapOptions?: (overrides: object) => object;
  };
  const pool = (await connection.getNativeClient?.()) as { Client?: PgClientClass } | undefined;
  const Client = pool?.Client ?? ((await import('pg')).default.Client as unknown as PgClientClass);
  const options = connection.mapOptions?.({}) ?? {};
  return (extra = {}) => new Client({ ...options, ...extra });
}
