/**
 * `npm run demo`: the sample app at work, on a fresh SQLite file (PostgreSQL when DATABASE_URL is
 * set, MariaDB when it is `mariadb://user@host:3306/db`; then only the demo's own jobs are
 * followed, nothing is deleted). Enqueues ~300 jobs of
 * several kinds and 3 report pipelines, runs an ordinary consumer in this process (it excludes
 * media.gpu), then the GPU consumer as a child process (`consumer.js --include media.gpu
 * --until-empty`), shows progress on stderr, prints a summary and exits 0 when every job ended as
 * it should (1 otherwise). Needs no input and no server.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { EntityManager } from '@mikro-orm/core';
import { JobConsumer, JobQueue, JobState } from '../lib/index.js';
import { AppModule } from './app.module.js';
import { describeDatabase, sqliteFile } from './database/orm.config.js';
import { GPU_JOB } from './media/media.types.js';
import { ALWAYS_FAILS, checkOutcome, formatReport } from './demo/demo.report.js';
import { DemoTracker } from './demo/demo.tracker.js';
import { enqueueDemoJobs } from './demo/demo.workload.js';
import { ProgressLine } from './demo/progress-line.util.js';

const PHASE_TIMEOUT_MS = 20_000;
const started = Date.now();
const say = (line: string) => process.stdout.write(`${line}\n`);
// The CRM syncs are the demo's failures, retried by hand and failing again: they fail while the
// CRM token is revoked, i.e. while CRM_API_TOKEN is unset (sample-app/crm/crm.client.ts).
delete process.env.CRM_API_TOKEN;

if (!process.env.DATABASE_URL) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(sqliteFile() + suffix, { force: true });
}
say(`demo: the sample app on ${describeDatabase()}`);
const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error'] });
let exitCode = 1;
try {
  const queue = app.get(JobQueue);
  const consumer = app.get(JobConsumer);
  const plan = await enqueueDemoJobs(queue, app.get(EntityManager));
  const tracker = new DemoTracker(queue, plan);
  say(
    `enqueued ${plan.expectedTotal} jobs (${plan.pipelineIds.length} pipelines among them) in ${Date.now() - started} ms`,
  );
  const progress = new ProgressLine(started);
  const show = async (label: string, force = false) => {
    await tracker.refresh();
    const pending = tracker.countBy(JobState.Pending) + tracker.countBy(JobState.Blocked);
    progress.update(
      tracker.finished(),
      plan.expectedTotal,
      `${label}  running ${tracker.countBy(JobState.Running)}  waiting ${pending}  failed ${tracker.countBy(JobState.Failed)}`,
      force,
    );
  };

  // 1. An ordinary consumer, in this process: every job but the GPU one.
  say(`consumer 1 (this process): --exclude ${GPU_JOB} --concurrency 20`);
  const first = consumer.run({ exclude: [GPU_JOB], concurrency: 20, pollIntervalMs: 200 });
  await until(
    () => tracker.unfinished([GPU_JOB]) === 0,
    () => show('consumer 1'),
  );
  // A failure retried by hand (JobQueue.retry): the token is still revoked, so they fail again.
  const retried = await queue.retry({ name: ALWAYS_FAILS });
  progress.end();
  say(`retried ${retried} failed ${ALWAYS_FAILS} jobs by hand: queue.retry({ name: '${ALWAYS_FAILS}' })`);
  for (const id of plan.jobs.get(ALWAYS_FAILS)!) tracker.jobs.delete(id); // read them again
  await until(
    () => tracker.unfinished([GPU_JOB]) === 0,
    () => show('consumer 1'),
  );
  await consumer.stop();
  const firstSummary = await first;
  await show('consumer 1', true);
  progress.end();
  const gpuWaiting = tracker.all(GPU_JOB).filter((j) => j.state === JobState.Pending).length;
  say(
    `consumer 1 stopped: ${firstSummary.completed} completed, ${firstSummary.failed} failed attempts; ${gpuWaiting} ${GPU_JOB} jobs still pending (excluded)`,
  );

  // 2. The GPU machine's consumer: the real consumer entry file, in a child process.
  say(`consumer 2 (child process): node consumer.js --include ${GPU_JOB} --until-empty`);
  const child = runGpuConsumer();
  let childDone = false;
  void child.then(() => (childDone = true));
  await until(
    () => childDone,
    () => show('consumer 2'),
  );
  const { code, output } = await child;
  await show('consumer 2', true);
  progress.end();
  say(`consumer 2 exited with code ${code}`);
  if (code !== 0) say(output);

  say(`\n${formatReport(tracker)}\n`);
  const problems = checkOutcome(tracker, plan);
  if (gpuWaiting !== plan.jobs.get(GPU_JOB)!.length)
    problems.push(`only ${gpuWaiting} ${GPU_JOB} jobs were left pending by consumer 1`);
  if (code !== 0) problems.push(`consumer 2 exited with code ${code}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const failed = tracker.countBy(JobState.Failed);
  if (problems.length === 0) {
    say(
      `demo: all ${plan.expectedTotal} jobs finished (${tracker.countBy(JobState.Completed)} completed, ${failed} failed as expected) in ${seconds} s`,
    );
    exitCode = 0;
  } else {
    say(`demo: FAILED after ${seconds} s:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
} finally {
  await app.close();
}
process.exitCode = exitCode;

/** Polls `tick` every 250 ms until `done()` or the phase's time is up. */
async function until(done: () => boolean, tick: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + PHASE_TIMEOUT_MS;
  do {
    await tick();
    if (done()) return;
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < deadline);
}

function runGpuConsumer(): Promise<{ code: number | null; output: string }> {
  const entry = fileURLToPath(new URL('./consumer.js', import.meta.url));
  const child = spawn(process.execPath, [entry, '--include', GPU_JOB, '--until-empty', '--concurrency', '5'], {
    env: { ...process.env, SAMPLE_APP_SQLITE: sqliteFile(), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: PHASE_TIMEOUT_MS,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => {
    child.once('error', (err) => resolve({ code: -1, output: String(err) }));
    child.once('close', (code) => resolve({ code, output }));
  });
}
