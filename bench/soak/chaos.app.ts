import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EntitySchema, MikroORM } from '@mikro-orm/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MariaDbDriver } from '@mikro-orm/mariadb';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import {
  adaptJobEntities,
  JOB_ENTITIES,
  Job,
  JobConsumer,
  JobQueue,
  JobsModule,
  jobsSchemaSql,
  type JobContext,
  type JobsModuleOptions,
} from '../../lib/index.js';

/** Where the chaos run's database is: JSON-serialisable, handed to child consumers through the env. */
export interface ChaosDb {
  dialect: 'postgresql' | 'sqlite' | 'mariadb';
  /** PostgreSQL or MariaDB connection URL. */
  url?: string;
  /** SQLite file. */
  file?: string;
}

export const CHAOS_JOB = 'chaos.work';
/** The same work under `concurrency: { perKey: 1 }`: enqueued with a `concurrencyKey`, no two runs of one key may overlap. */
export const CHAOS_KEYED_JOB = 'chaos.keyed';

/** The proof of what ran: every run of a chaos job writes a row when it starts and when it finishes. */
export interface ChaosLedger {
  id: number;
  jobId: string;
  attempt: number;
  pid: number;
  event: string;
  /** Date.now() of the run's process when it wrote the row. */
  at: number;
}

export const ChaosLedgerSchema = new EntitySchema<ChaosLedger>({
  name: 'ChaosLedger',
  tableName: 'chaos_ledger',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    jobId: { type: 'string', fieldName: 'job_id' },
    attempt: { type: 'integer' },
    pid: { type: 'integer' },
    event: { type: 'string' },
    at: { type: 'double' },
  },
});

const LEDGER_DDL = {
  postgresql:
    'CREATE TABLE chaos_ledger (id serial PRIMARY KEY, job_id text NOT NULL, attempt int NOT NULL, pid int NOT NULL, event text NOT NULL, at bigint NOT NULL)',
  sqlite:
    'CREATE TABLE chaos_ledger (id integer PRIMARY KEY AUTOINCREMENT, job_id text NOT NULL, attempt integer NOT NULL, pid integer NOT NULL, event text NOT NULL, at integer NOT NULL)',
  mariadb:
    'CREATE TABLE chaos_ledger (id int AUTO_INCREMENT PRIMARY KEY, job_id varchar(32) NOT NULL, attempt int NOT NULL, pid int NOT NULL, event varchar(16) NOT NULL, at bigint NOT NULL)',
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

/** Many attempts: a chaos job may be caught by several kills; what we count is lost jobs, not attempts. */
export const CHAOS_MAX_ATTEMPTS = 100;

async function run(input: { ms: number }, ctx: JobContext) {
  const write = (event: string) =>
    ctx.em
      .fork()
      .insert(ChaosLedgerSchema, { jobId: ctx.jobId, attempt: ctx.attempt, pid: process.pid, event, at: Date.now() });
  await write('start');
  await sleep(input.ms, ctx.signal);
  await write('finish');
  return { pid: process.pid };
}

@Injectable()
export class ChaosJobs {
  /** A short job: ledger 'start', sleep `ms`, ledger 'finish'. */
  @Job(CHAOS_JOB, { maxAttempts: CHAOS_MAX_ATTEMPTS })
  work(input: { ms: number }, ctx: JobContext) {
    return run(input, ctx);
  }

  @Job(CHAOS_KEYED_JOB, { maxAttempts: CHAOS_MAX_ATTEMPTS, concurrency: { perKey: 1 } })
  keyed(input: { ms: number }, ctx: JobContext) {
    return run(input, ctx);
  }
}

export interface ChaosApp {
  app: INestApplicationContext;
  queue: JobQueue;
  consumer: JobConsumer;
  orm: MikroORM<any, any, any>;
  close(): Promise<void>;
}

export async function createChaosApp(
  db: ChaosDb,
  options: { jobs?: JobsModuleOptions; createSchema?: boolean; logger?: LogLevel[] } = {},
): Promise<ChaosApp> {
  const orm =
    db.dialect === 'postgresql'
      ? { driver: PostgreSqlDriver, clientUrl: db.url }
      : db.dialect === 'mariadb'
        ? { driver: MariaDbDriver, clientUrl: db.url, discovery: { onMetadata: adaptJobEntities } }
        : { driver: SqliteDriver, dbName: db.file };
  @Module({
    imports: [
      MikroOrmModule.forRoot({ ...orm, entities: [...JOB_ENTITIES, ChaosLedgerSchema] } as any),
      JobsModule.forRoot(options.jobs ?? {}),
    ],
    providers: [ChaosJobs],
  })
  class ChaosAppModule {}

  const app = await NestFactory.createApplicationContext(ChaosAppModule, {
    logger: options.logger ?? ['error', 'warn'],
  });
  const mikro = app.get<MikroORM<any, any, any>>(MikroORM);
  if (options.createSchema) {
    const connection = mikro.em.getConnection();
    for (const sql of [...jobsSchemaSql(db.dialect), LEDGER_DDL[db.dialect]]) await connection.execute(sql);
  }
  return { app, orm: mikro, queue: app.get(JobQueue), consumer: app.get(JobConsumer), close: () => app.close() };
}
