/**
 * A MariaDB server of the test's own, for tests that stop and restart the server or kill its
 * connections. Never the shared one on 127.0.0.1:3306 (or in MARIADB_URL): a fresh data folder in
 * the temp dir (`mariadb-install-db`), its own `mariadbd` on a free port of 127.0.0.1, root without a
 * password. Data survives `stop()`/`start()`; `destroy()` stops it and removes the folder.
 *
 * Needs the server's binaries on this machine (Debian's mariadb-server package; `MARIADBD` and
 * `MARIADB_INSTALL_DB` name them elsewhere): the suite's MariaDB tests may run against a server
 * reached only through MARIADB_URL, but a restart needs a server this process owns.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './embedded-postgres.js';
import { waitUntil } from './spawned-process.js';

export interface OwnMariadb {
  /** URL of database `name` on this server (none selected by default). */
  url(name?: string): string;
  /** Runs one statement on a new connection (no database selected); returns its rows. */
  query(sql: string, params?: unknown[]): Promise<any[]>;
  /** Starts the server again on the same port and data (after `stop()`). */
  start(): Promise<void>;
  /** Shuts the server down (SIGTERM) and waits until it has exited. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

const MARIADBD = process.env.MARIADBD ?? firstExisting(['/usr/sbin/mariadbd', '/usr/sbin/mysqld'], 'mariadbd');
const INSTALL_DB =
  process.env.MARIADB_INSTALL_DB ?? firstExisting(['/usr/bin/mariadb-install-db'], 'mariadb-install-db');

export async function startOwnMariadb(): Promise<OwnMariadb> {
  const dir = await mkdtemp(join(tmpdir(), 'jobs-mariadb-own-'));
  const datadir = join(dir, 'data');
  // As root, mariadbd refuses to run unless told which user to be; the folder is root's own here.
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  await run(INSTALL_DB, [
    '--no-defaults',
    `--datadir=${datadir}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    ...asRoot,
  ]);
  const port = await freePort();
  const flags = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--socket=${join(dir, 'mariadbd.sock')}`,
    `--pid-file=${join(dir, 'mariadbd.pid')}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--skip-log-bin',
    '--innodb-buffer-pool-size=64M',
    '--max-connections=200',
    ...asRoot,
  ];
  const url = (name = '') => `mysql://root@127.0.0.1:${port}/${name}`;
  const query = async (sql: string, params: unknown[] = []) => {
    const c = await mysql.createConnection(url());
    try {
      const [rows] = await c.query(sql, params);
      return rows as any[];
    } finally {
      await c.end();
    }
  };
  let server: { process: ChildProcess; exited: Promise<void>; log: string[] } | undefined;
  const start = async () => {
    const log: string[] = [];
    const child = spawn(MARIADBD, flags, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    server = { process: child, exited, log };
    let gone = false;
    void exited.then(() => (gone = true));
    await waitUntil(
      async () => {
        if (gone) throw new Error(`mariadbd exited at start:\n${log.join('')}`);
        return query('SELECT 1 AS ok').then(
          () => true,
          () => false,
        );
      },
      `the test's own mariadbd on port ${port}`,
      60_000,
      100,
    );
  };
  const stop = async () => {
    if (!server) return;
    const { process: child, exited } = server;
    server = undefined;
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url,
    query,
    start,
    stop,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function firstExisting(paths: string[], fallback: string): string {
  return paths.find((p) => existsSync(p)) ?? fallback;
}

/** Runs a program to its end; rejects with its output when it fails. */
function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err) =>
      reject(new Error(`${file} could not run (${err.message}); set MARIADBD and MARIADB_INSTALL_DB`, { cause: err })),
    );
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}
