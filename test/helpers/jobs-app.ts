import 'reflect-metadata';
import { Module, type INestApplicationContext, type ModuleMetadata, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MikroORM } from '@mikro-orm/core';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { JOB_ENTITIES, JobConsumer, JobQueue, JobsModule, type JobsModuleOptions } from '../../lib/index.js';
import { waitAtMost } from '../../lib/wait.util.js';
import { LedgerEntrySchema } from '../fixtures/ledger.entity.js';
import { FixtureJobs } from '../fixtures/fixture-jobs.js';
import {
  createTestDatabase,
  MARIADB_ORM_OPTIONS,
  withAdminClient,
  type DbKind,
  type TestDatabase,
  type TestOrmOptions,
} from './databases.js';

export const TEST_ENTITIES = [...JOB_ENTITIES, LedgerEntrySchema];

/** MikroOrmModule options for a test database (driver chosen by dialect). */
export function mikroOrmOptions(db: TestOrmOptions) {
  const { dialect, ...connection } = db;
  return {
    ...(dialect === 'mariadb' ? MARIADB_ORM_OPTIONS : {}),
    ...connection,
    driver: dialect === 'postgresql' ? PostgreSqlDriver : dialect === 'mariadb' ? MariaDbDriver : SqliteDriver,
    entities: TEST_ENTITIES,
    allowGlobalContext: true,
  } as any;
}

export interface JobsTestApp {
  app: INestApplicationContext;
  queue: JobQueue;
  consumer: JobConsumer;
  orm: MikroORM<any, any, any>;
  close(): Promise<void>;
}

/**
 * A real Nest application context on a test database: MikroOrmModule + JobsModule + the fixture
 * handlers (and any extra providers). `createSchema` builds the tables (first app on a database only).
 */
export async function createJobsApp(
  db: TestOrmOptions,
  options: {
    jobs?: JobsModuleOptions;
    providers?: Provider[];
    createSchema?: boolean;
    fixtures?: boolean;
    /** More modules of the application (`ScheduleModule.forRoot()`, `EventEmitterModule`, `TerminusModule`). */
    imports?: NonNullable<ModuleMetadata['imports']>;
    /** More MikroORM options, over the test database's. */
    orm?: Record<string, unknown>;
  } = {},
): Promise<JobsTestApp> {
  @Module({
    imports: [
      MikroOrmModule.forRoot({ ...mikroOrmOptions(db), ...options.orm }),
      JobsModule.forRoot(options.jobs ?? {}),
      ...(options.imports ?? []),
    ],
    providers: [...(options.fixtures === false ? [] : [FixtureJobs]), ...(options.providers ?? [])],
  })
  class TestAppModule {}

  const app = await NestFactory.createApplicationContext(TestAppModule, { logger: ['error'] });
  const orm = app.get(MikroORM);
  if (options.createSchema ?? true) await orm.schema.create();
  return {
    app,
    orm,
    queue: app.get(JobQueue),
    consumer: app.get(JobConsumer),
    close: () => app.close(),
  };
}

export interface JobsTestEnv {
  db: TestDatabase;
  t: JobsTestApp;
}

/** Per test (`beforeEach`): a fresh database of `kind` and a jobs app on it (schema created). */
export async function openJobsEnv(
  kind: DbKind,
  options: Parameters<typeof createJobsApp>[1] = {},
): Promise<JobsTestEnv> {
  const db = await createTestDatabase(kind);
  return { db, t: await createJobsApp(db.options, options) };
}

/** After this long, a close that has not finished is described on stderr (see `closeJobsEnv`). */
const CLOSE_STALL_MS = 15_000;

/**
 * Per test (`afterEach`): closes the app and drops its database (whatever of them was opened). A
 * close still under way after `CLOSE_STALL_MS` is reported with what this process and the database
 * are doing; on PostgreSQL the database is then dropped with its sessions (FORCE), which ends any
 * statement the server holds, and the close is awaited again: a close that still hangs fails the
 * hook at its timeout, with the report above it. A drop still under way after that long is reported
 * and left to finish on its own.
 */
export async function closeJobsEnv(env: Partial<JobsTestEnv>): Promise<void> {
  const closing = env.t?.close();
  if (closing && !(await waitAtMost(closing, CLOSE_STALL_MS))) {
    console.error(`closeJobsEnv: the app's close() has run for ${CLOSE_STALL_MS} ms: ${await describe(env.db)}`);
    await env.db?.drop().catch((err: Error) => console.error(`closeJobsEnv: the drop failed (${err.message})`));
    await closing;
    console.error('closeJobsEnv: the close finished once the database was dropped');
    return;
  }
  const dropping = env.db?.drop();
  if (dropping && !(await waitAtMost(dropping, CLOSE_STALL_MS))) {
    // The app is closed: what is left is the server's cleaning up. The test goes on; the drop
    // finishes in the background, or global-teardown.ts drops the database with the run's leftovers.
    console.error(
      `closeJobsEnv: dropping the database has run for ${CLOSE_STALL_MS} ms; not waiting for it: ${await describe(env.db, true)}`,
    );
    dropping.catch((err: Error) => console.error(`closeJobsEnv: the drop failed (${err.message})`));
  }
}

/**
 * This process's open resources and, on PostgreSQL, the sessions of the test database (`server`:
 * every active session of the server, the drop's own and the checkpointer's included).
 */
async function describe(db: TestDatabase | undefined, server = false): Promise<string> {
  const resources = JSON.stringify(process.getActiveResourcesInfo());
  if (db?.kind !== 'postgresql') return `active resources ${resources}`;
  const name = new URL(db.options.clientUrl!).pathname.slice(1);
  const sessions = await withAdminClient((c) =>
    c.query(
      `SELECT pid, datname, backend_type, state, wait_event_type, wait_event, now() - query_start AS running, left(query, 200) AS query
       FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND (datname = $1 OR ($2 AND state IS DISTINCT FROM 'idle'))`,
      [name, server],
    ),
  ).catch((err: Error) => ({ rows: [`(pg_stat_activity unreadable: ${err.message})`] }));
  return `active resources ${resources}; sessions ${JSON.stringify(sessions.rows)}`;
}
