import 'reflect-metadata';
import { Module, type INestApplicationContext, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import {
  adaptJobEntities,
  JOB_ENTITIES,
  JobConsumer,
  JobQueue,
  JobsModule,
  jobsSchemaSql,
  type JobsModuleOptions,
} from '../../lib/index.js';
import { BenchJobs } from './bench.jobs.js';

export interface OursApp {
  app: INestApplicationContext;
  queue: JobQueue;
  consumer: JobConsumer;
  close(): Promise<void>;
}

/**
 * A real Nest application context, as users build it: MikroOrmModule + JobsModule.forRoot() with
 * every default (or `jobs`), and the bench handlers (or `providers`). The tables come from `jobsSchemaSql()` (what the README's
 * migration path runs), created when `createSchema` is set.
 */
/** The database a bench app runs on: one of the three. */
export interface OursDb {
  postgresUrl?: string;
  sqliteFile?: string;
  mariadbUrl?: string;
}

export async function createOursApp(
  db: OursDb,
  createSchema = true,
  jobs: JobsModuleOptions = {},
  providers: Provider[] = [BenchJobs],
): Promise<OursApp> {
  // Only the driver of the database in use is loaded, as in an app on one database: a consumer's
  // RSS (bench consumer-rss-c1000) then counts no other driver (all three: about 10 MB more).
  const orm = db.postgresUrl
    ? { driver: (await import('@mikro-orm/postgresql')).PostgreSqlDriver, clientUrl: db.postgresUrl }
    : db.mariadbUrl
      ? {
          driver: (await import('@mikro-orm/mariadb')).MariaDbDriver,
          clientUrl: db.mariadbUrl,
          discovery: { onMetadata: adaptJobEntities },
        }
      : { driver: (await import('@mikro-orm/sqlite')).SqliteDriver, dbName: db.sqliteFile };
  @Module({
    imports: [MikroOrmModule.forRoot({ ...orm, entities: [...JOB_ENTITIES] } as any), JobsModule.forRoot(jobs)],
    providers,
  })
  class BenchAppModule {}

  const app = await NestFactory.createApplicationContext(BenchAppModule, { logger: ['error'] });
  if (createSchema) {
    const connection = app.get(MikroORM).em.getConnection();
    for (const sql of jobsSchemaSql(db.postgresUrl ? 'postgresql' : db.mariadbUrl ? 'mariadb' : 'sqlite'))
      await connection.execute(sql);
  }
  return { app, queue: app.get(JobQueue), consumer: app.get(JobConsumer), close: () => app.close() };
}

/** Enqueues through the public bulk path, in chunks of the default `maxBatchSize`. */
export async function enqueueAll(queue: JobQueue, name: string, inputs: readonly unknown[]): Promise<void> {
  for (let i = 0; i < inputs.length; i += 10_000) {
    await queue.enqueueMany(inputs.slice(i, i + 10_000).map((input) => ({ name, input })));
  }
}
