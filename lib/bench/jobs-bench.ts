import { spawn, type ChildProcess } from 'node:child_process';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { JobConsumer } from '../consumer/job-consumer.service.js';
import { JobQueue } from '../queue/job-queue.service.js';
import type { JobName } from '../interfaces/job-types.js';
import type { EnqueueManyItem } from '../interfaces/job-options.js';
import { JobStore } from '../persistence/job.store.js';
import { JOBS_BENCH_JOB, JOBS_BENCH_QUEUE, JobsBenchHandler } from './jobs-bench.handler.js';
import { ProgressBar } from '../cli/progress-bar.util.js';
import { formatSummary } from './bench-summary.util.js';

/** Options of `runJobsBenchmark()`; each can also be given on the command line (`--jobs 5000 --duration-ms 50 --concurrency 20 --consumers 2`). */
export interface JobsBenchmarkOptions {
  /** Jobs to create. @default 10000 */
  jobs?: number;
  /** How long each job runs (it sleeps); 0 makes no-op jobs that measure the queue itself. @default 0 (ms) */
  durationMs?: number;
  /** Jobs run at once by each consumer. @default 10 (the consumer's default) */
  concurrency?: number;
  /** Consumer processes; more than 1 starts child processes of this same entry file. @default 1 (in this process) */
  consumers?: number;
  /** Give up after this long. @default 600000 (ms) */
  timeoutMs?: number;
}

export interface JobsBenchmarkSummary {
  jobs: number;
  completed: number;
  /** Jobs not completed at the end (failed, cancelled or still unfinished at the timeout). */
  notCompleted: number;
  /** From the start of the enqueue to the last job written as completed. */
  wallMs: number;
  jobsPerSecond: number;
  /** jobs x durationMs / (concurrency x consumers): the wall time with no queue overhead. */
  idealMs: number;
}

const ROLE_ENV = 'JOBS_BENCH_CONSUMER';
const FLAGS = {
  '--jobs': 'jobs',
  '--duration-ms': 'durationMs',
  '--concurrency': 'concurrency',
  '--consumers': 'consumers',
  '--timeout-ms': 'timeoutMs',
} as const;

/**
 * The benchmark command for your own app and database: creates `jobs` jobs that each sleep
 * `durationMs`, runs them with `consumers` processes at `concurrency` each, shows a progress bar on
 * stderr, prints a summary table and checks that every job completed (exit code 1 if not).
 * The jobs go to queue `jobs-bench` under the name `jobs-bench.sleep` (a handler this function adds
 * to your module); they are left in the table like any finished job.
 *
 * ```ts
 * // jobs-bench.ts
 * import { runJobsBenchmark } from 'nestjs-job-pipelines';
 * import { AppModule } from './app.module.js';
 * await runJobsBenchmark(AppModule, { jobs: 10_000 });   // node dist/jobs-bench.js --consumers 2
 * ```
 * Child consumers re-run the same entry file (`process.argv[1]`) with an environment flag, so the
 * call must be reached the same way in them.
 */
export async function runJobsBenchmark(
  appModule: unknown,
  defaults: JobsBenchmarkOptions = {},
  argv: readonly string[] = process.argv.slice(2),
): Promise<JobsBenchmarkSummary | undefined> {
  const o = {
    jobs: 10_000,
    durationMs: 0,
    concurrency: 10,
    consumers: 1,
    timeoutMs: 600_000,
    ...defaults,
    ...parseBenchArgs(argv),
  };
  @Module({ imports: [appModule as any], providers: [JobsBenchHandler] })
  class JobsBenchModule {}
  const app = await NestFactory.createApplicationContext(JobsBenchModule, { logger: ['error', 'warn'] });
  try {
    if (process.env[ROLE_ENV]) {
      await childConsumer(app, o.concurrency);
      return undefined;
    }
    return await runMain(app, o);
  } finally {
    await app.close();
  }
}

function parseBenchArgs(argv: readonly string[]): JobsBenchmarkOptions {
  const out: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    if (flag === '--') continue;
    if (!(flag in FLAGS))
      throw new InvalidJobOptionsError(`Unknown flag '${flag}'. Flags: ${Object.keys(FLAGS).join(', ')}.`);
    const n = Number(inline ?? argv[++i]);
    if (!Number.isInteger(n) || n < 0) throw new InvalidJobOptionsError(`Flag ${flag} needs a whole number >= 0.`);
    out[FLAGS[flag as keyof typeof FLAGS]] = n;
  }
  return out;
}

/** A child: signals it is up, then consumes bench jobs until the parent sends SIGTERM. */
async function childConsumer(app: INestApplicationContext, concurrency: number): Promise<void> {
  const running = app
    .get(JobConsumer)
    .run({ include: [JOBS_BENCH_JOB], concurrency, schedule: false, handleSignals: true });
  process.stdout.write('ready\n');
  await running;
}

async function runMain(app: INestApplicationContext, o: Required<JobsBenchmarkOptions>): Promise<JobsBenchmarkSummary> {
  if (o.jobs < 1 || o.concurrency < 1 || o.consumers < 1)
    throw new InvalidJobOptionsError('jobs, concurrency and consumers must be at least 1.');
  const queue = app.get(JobQueue);
  const consumer = app.get(JobConsumer);
  const before = await unfinished(queue);
  const children =
    o.consumers > 1 ? await Promise.all(Array.from({ length: o.consumers }, () => startChild(o.concurrency))) : [];
  const local = children.length
    ? undefined
    : consumer.run({ include: [JOBS_BENCH_JOB], concurrency: o.concurrency, schedule: false });
  const bar = new ProgressBar(o.jobs, { unit: 'jobs', plainLines: true });
  const started = Date.now();
  const ids: string[] = [];
  try {
    for (let i = 0; i < o.jobs; i += 1_000) {
      // Cast: an app's JobTypes declaration does not list this internal job.
      const batch = Array.from(
        { length: Math.min(1_000, o.jobs - i) },
        () => ({ name: JOBS_BENCH_JOB, input: { ms: o.durationMs } }) as unknown as EnqueueManyItem<JobName>,
      );
      ids.push(...(await queue.enqueueMany(batch)).map((j) => j.id));
    }
    for (;;) {
      const left = Math.max(0, (await unfinished(queue)) - before);
      bar.update(o.jobs - left);
      if (left === 0 || Date.now() - started > o.timeoutMs) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    bar.stop();
    await consumer.stop();
    await local;
    await Promise.all(children.map(stopChild));
  }
  const wallMs = Date.now() - started;
  const completed = await countCompleted(app.get(JobStore), ids);
  const summary: JobsBenchmarkSummary = {
    jobs: o.jobs,
    completed,
    notCompleted: o.jobs - completed,
    wallMs,
    jobsPerSecond: Math.round((completed * 1000) / wallMs),
    idealMs: Math.round((o.jobs * o.durationMs) / (o.concurrency * o.consumers)),
  };
  process.stdout.write(
    `\njobs-bench: ${completed === o.jobs ? 'all jobs completed' : `${summary.notCompleted} jobs did NOT complete`}\n${formatSummary(
      [
        ['jobs', o.jobs.toLocaleString('en-US')],
        ['job duration', `${o.durationMs} ms`],
        ['consumers x concurrency', `${o.consumers} x ${o.concurrency}`],
        ['wall time', `${(wallMs / 1000).toFixed(2)} s (enqueue included)`],
        ['throughput', `${summary.jobsPerSecond.toLocaleString('en-US')} jobs/s`],
        ['ideal wall time', `${(summary.idealMs / 1000).toFixed(2)} s (no queue overhead)`],
        ['completed', `${completed.toLocaleString('en-US')} / ${o.jobs.toLocaleString('en-US')}`],
      ],
    )}\n`,
  );
  if (completed !== o.jobs) process.exitCode = 1;
  return summary;
}

async function unfinished(queue: JobQueue): Promise<number> {
  const d = (await queue.queueDepths())[JOBS_BENCH_QUEUE];
  return d ? d.pending + d.running + d.blocked : 0;
}

async function countCompleted(store: JobStore, ids: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 1_000)
    n += (await store.get(ids.slice(i, i + 1_000))).filter((j) => j.state === 'completed').length;
  return n;
}

function startChild(concurrency: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--concurrency', String(concurrency)], {
    env: { ...process.env, [ROLE_ENV]: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`jobs-bench consumer exited early (code ${code})`)));
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
