// The packaging check's scenario, run by test/pack/pack-check.sh in a separate app that installed the
// packed library: schema, enqueue, priority, runAfter, exclude/include across consumer processes.
import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MikroORM } from '@mikro-orm/core';
import { NestFactory } from '@nestjs/core';
import { JobQueue, JobState, jobsSchemaSql } from 'nestjs-job-pipelines';
import { AppModule } from './app.module.js';

const dialect = process.env.PACK_DB === 'postgresql' ? 'postgresql' : 'sqlite';
const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
const orm = app.get(MikroORM);
// README step 1: AppModule created the tables at init (SQLite). The PostgreSQL variant leaves that
// out for step 5: the migration SQL, then schema.update() for the app's own table.
if (dialect === 'postgresql') {
  for (const sql of jobsSchemaSql('postgresql', 0)) await orm.em.getConnection().execute(sql);
  await orm.schema.update();
}
assert.equal((await orm.schema.getUpdateSchemaSQL()).trim(), '', 'the schema should leave nothing to change');

const jobs = app.get(JobQueue);
if (process.env.NEVER) {
  // @ts-expect-error README "Typed jobs": unknown name
  await jobs.enqueue('mail.welcom', { userId: 1 });
  // @ts-expect-error README "Typed jobs": wrong input
  await jobs.enqueue('mail.welcome', { user: 1 });
}

const welcome = await jobs.enqueue('mail.welcome', { userId: 1 });
const byPriority = await Promise.all(
  [0, 50, -5, 10].map((priority, n) => jobs.enqueue('report.build', { n }, { priority })),
);
const runAfter = new Date(Date.now() + 1_500);
const later = await jobs.enqueue('report.build', { n: 99 }, { runAfter });
const gpu = await jobs.enqueue('media.gpu', { videoId: 'v1' });

const consumer = (...args: string[]) => {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('./consumer.js', import.meta.url)), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  assert.equal(r.status, 0, `consumer ${args.join(' ')} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
};
// README "4. The consumer": an ordinary machine, one job at a time, for about 3 s.
consumer('--exclude', 'media.gpu', '--concurrency', '1', '--timeout-ms', '3000');

const w = await jobs.get<'mail.welcome'>(welcome.id);
assert.equal(w.state, JobState.Completed);
assert.match(w.output!.messageId, /@pack-check\.local>$/);
const ran = await Promise.all(byPriority.map((j) => jobs.get<'report.build'>(j.id)));
assert.deepEqual(
  ran.map((j) => j.state),
  Array(4).fill(JobState.Completed),
);
const order = ran
  .map((j) => ({ n: j.output!.n, seq: j.output!.seq }))
  .sort((a, b) => a.seq - b.seq)
  .map((o) => o.n);
assert.deepEqual(order, [1, 3, 0, 2], 'higher priority runs first');
const l = await jobs.get<'report.build'>(later.id);
assert.equal(l.state, JobState.Completed);
assert.ok(l.startedAt! >= runAfter, `runAfter: started ${l.startedAt!.toISOString()}, due ${runAfter.toISOString()}`);
assert.equal((await jobs.get(gpu.id)).state, JobState.Pending, 'media.gpu was excluded');

// The GPU machine.
consumer('--include', 'media.gpu', '--until-empty');
const g = await jobs.get<'media.gpu'>(gpu.id);
assert.equal(g.state, JobState.Completed);
assert.deepEqual(g.output, { videoId: 'v1', frames: 24 });
assert.deepEqual(await jobs.queueDepths(), {});

await app.close();
process.stdout.write(`pack-check ${dialect}: enqueue, priority, runAfter, exclude/include, typed jobs ok\n`);
