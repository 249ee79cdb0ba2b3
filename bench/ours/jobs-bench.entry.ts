/**
 * Smoke entry for `runJobsBenchmark()` on DATABASE_URL (the sample app wires the real
 * `npm run jobs-bench`): `node dist/bench/ours/jobs-bench.entry.js --jobs 2000 --consumers 2`.
 * Creates the queue tables when they are missing.
 */
import 'reflect-metadata';
import pg from 'pg';
import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { JOB_ENTITIES, JobsModule, jobsSchemaSql, runJobsBenchmark } from '../../lib/index.js';

const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
if (!process.env.JOBS_BENCH_CONSUMER) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query(`SELECT to_regclass('queue_job') AS t`);
  if (!rows[0].t) for (const sql of jobsSchemaSql('postgresql')) await c.query(sql);
  await c.end();
}

@Module({
  imports: [
    MikroOrmModule.forRoot({ driver: PostgreSqlDriver, clientUrl: url, entities: [...JOB_ENTITIES] } as any),
    JobsModule.forRoot(),
  ],
})
class AppModule {}

await runJobsBenchmark(AppModule, { jobs: 2_000 });
