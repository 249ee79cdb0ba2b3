/** Small helpers shared by the reliability specs (test/e2e/reliability-*.spec.ts). */
import type { MikroORM } from '@mikro-orm/core';
import type { ConsumerOptions, JobsModuleOptions } from '../../lib/index.js';
import { testDbEnv, type DbKind, type TestDatabase } from './databases.js';
import { killAll, spawnNode, type NodeChild } from './spawned-process.js';
import { closeJobsEnv, createJobsApp, openJobsEnv, type JobsTestApp, type JobsTestEnv } from './jobs-app.js';
import { ReliabilityJobs } from '../fixtures/reliability-jobs.js';

export const RELIABILITY_CONSUMER = 'test/fixtures/reliability-consumer.process.ts';

/** Starts test/fixtures/reliability-consumer.process.ts and waits until its consumer runs; returns it and its consumer id. */
export async function startConsumer(
  db: TestDatabase,
  o: {
    jobs?: JobsModuleOptions;
    consumer?: ConsumerOptions;
    name?: string;
    skewMs?: number;
    enqueue?: unknown[];
    echo?: boolean;
    limited?: boolean;
  } = {},
): Promise<{ child: NodeChild; consumerId: string }> {
  const child = spawnNode(RELIABILITY_CONSUMER, {
    echo: o.echo,
    env: {
      ...testDbEnv(db),
      JOBS_MODULE_OPTIONS: JSON.stringify(o.jobs ?? {}),
      CONSUMER_OPTIONS: JSON.stringify(o.consumer ?? {}),
      CONSUMER_NAME: o.name ?? 'consumer',
      CLOCK_SKEW_MS: String(o.skewMs ?? 0),
      ENQUEUE: o.enqueue ? JSON.stringify(o.enqueue) : undefined,
      LIMITED_JOBS: o.limited ? '1' : undefined,
    },
  });
  const m = await child.waitFor(/consumer (\S+) started/, 60_000);
  return { child, consumerId: m[1]! };
}

export interface LedgerRow {
  job_id: string;
  attempt: number;
  consumer: string;
  event: string;
}

export async function ledgerRows(orm: MikroORM<any, any, any>, jobId?: string): Promise<LedgerRow[]> {
  const rows: LedgerRow[] = await orm.em
    .getConnection()
    .execute('SELECT job_id, attempt, consumer, event FROM test_ledger ORDER BY id');
  return rows
    .map((r) => ({ ...r, job_id: String(r.job_id), attempt: Number(r.attempt) }))
    .filter((r) => jobId === undefined || r.job_id === String(jobId));
}

export async function countJobs(orm: MikroORM<any, any, any>, where = 'true'): Promise<number> {
  const rows = await orm.em.getConnection().execute(`SELECT count(*) AS n FROM queue_job WHERE ${where}`);
  return Number(rows[0].n);
}

/** The test's own application (schema created): fixture and reliability handlers, to enqueue and inspect. */
export function createReliabilityApp(db: TestDatabase, jobs: JobsModuleOptions = {}): Promise<JobsTestApp> {
  return createJobsApp(db.options, { jobs, providers: [ReliabilityJobs] });
}

/** Per test: a fresh database of `kind` and the test's own application (fixture and reliability handlers). */
export function openReliabilityEnv(kind: DbKind, jobs: JobsModuleOptions = {}): Promise<JobsTestEnv> {
  return openJobsEnv(kind, { jobs, providers: [ReliabilityJobs] });
}

/** Kills every child process the test started, then closes the application and drops the database. */
export async function closeReliabilityEnv(env: Partial<JobsTestEnv>): Promise<void> {
  await killAll();
  await closeJobsEnv(env);
}
