import type { INestApplicationContext } from '@nestjs/common';
import type { JobState } from '../interfaces/job-state.js';
import { JobQueue } from '../queue/job-queue.service.js';
import { JobsInspector } from '../queue/jobs-inspector.service.js';
import type { JobListFilter, QueueOverview } from '../interfaces/jobs-inspector.types.js';
import { JobStore } from '../persistence/job.store.js';
import { jobsSchemaSql, type DatabaseName } from '../persistence/schema-ddl.js';
import { CliOutput, table, text } from './cli-output.js';
import { formatJob, jobLine } from './job-format.util.js';
import { ProgressBar } from './progress-bar.util.js';
import { assertNameList, assertQueueName } from '../validation/options.validator.js';
import { assertPurgeOptions } from '../validation/purge-options.validator.js';
import { toPageFilter } from '../queue/job-list-filter.validator.js';
import { assertRetryFilter } from '../queue/retry-filter.validator.js';
import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';

/**
 * What a command runs with: the app (created on first use, after the arguments were read) and stdout.
 * Each command checks its values with the queue's own validators before it first calls `app()`, so a
 * bad value (a cursor, a name, a queue name too long) exits 2 without connecting to the database.
 */
export interface CliContext {
  app(): Promise<INestApplicationContext>;
  out: CliOutput;
}

const queueOf = async (c: CliContext) => (await c.app()).get(JobQueue);

/** `depths`: each queue at a glance (JobsInspector.queueOverview); `queues`: only these, each listed. */
export async function depthsCommand(c: CliContext, queues?: string[]): Promise<void> {
  assertNameList(queues, '--queue', false);
  const all = await (await c.app()).get(JobsInspector).queueOverview();
  const rows = queues ? queues.map((q) => all.find((o) => o.queue === q) ?? emptyQueue(q)) : all;
  c.out.emit({ queues: rows }, () =>
    rows.length === 0
      ? 'No queue has jobs.'
      : table(
          ['queue', 'due', 'scheduled', 'running', 'blocked', 'failed', 'paused', 'completed 1h', 'failed 1h'],
          rows.map((r) => [
            r.queue,
            r.due,
            r.scheduled,
            r.running,
            r.blocked,
            r.failed,
            r.paused ? 'yes' : '',
            r.completedLastHour,
            r.failedLastHour,
          ]),
        ),
  );
}

function emptyQueue(queue: string): QueueOverview {
  const zero = { due: 0, scheduled: 0, running: 0, blocked: 0, failed: 0, completedLastHour: 0, failedLastHour: 0 };
  return { queue, ...zero, paused: false };
}

/** `list`: one page of jobs, newest first, and the cursor of the next page. */
export async function listCommand(c: CliContext, filter: JobListFilter): Promise<void> {
  toPageFilter(filter); // listJobs() checks it again; this is to refuse a typo before connecting
  const page = await (await c.app()).get(JobsInspector).listJobs(filter);
  c.out.emit(page, () => {
    const rows = page.jobs.map((j) => [
      j.id,
      j.name,
      j.queue,
      j.state,
      `${j.attempts}/${j.maxAttempts}`,
      text(j.createdAt),
      text(j.finishedAt),
      j.errorMessage && j.errorMessage.length > 60 ? `${j.errorMessage.slice(0, 59)}…` : j.errorMessage,
    ]);
    const list = page.jobs.length
      ? table(['id', 'name', 'queue', 'state', 'attempts', 'created', 'finished', 'error'], rows)
      : 'No jobs match.';
    return `${list}
${page.next ? `Next page: --after ${page.next}` : 'Last page.'}`;
  });
}

/** `show <id>`: one job with its input, output, error and attempt log. */
export async function showCommand(c: CliContext, id: string): Promise<void> {
  const job = await (await queueOf(c)).get(id);
  c.out.emit(job, () => formatJob(job));
}

/** `retry <id>`, `discard <id>`, `cancel <id>`: one job; prints it as it is afterwards. */
export async function jobActionCommand(
  c: CliContext,
  action: 'retry' | 'discard' | 'cancel',
  id: string,
): Promise<void> {
  const queue = await queueOf(c);
  const job = action === 'retry' ? await queue.retry(id) : await queue[action](id);
  const did = { retry: 'retried', discard: 'discarded', cancel: 'cancel requested' }[action];
  c.out.emit(job, () => jobLine(job, did));
}

/** `retry --name n | --queue q`: the failed jobs of a name and/or queue, in batches. */
export async function bulkRetryCommand(
  c: CliContext,
  filter: { name?: string; queue?: string; batchSize?: number },
): Promise<void> {
  // All but the app's own maxBatchSize, known once it is up (--batch-size is at most 10,000 already).
  assertRetryFilter(filter, Number.MAX_SAFE_INTEGER);
  const queue = await queueOf(c);
  const bar = new ProgressBar(0, { unit: 'jobs', label: 'retry' });
  let retried: number;
  try {
    retried = await queue.retry({ ...filter, onProgress: (p) => bar.update(p.done, p.total) });
  } finally {
    bar.stop();
  }
  const of = [filter.name && `name ${filter.name}`, filter.queue && `queue ${filter.queue}`].filter(Boolean).join(', ');
  c.out.emit({ retried }, () => `Retried ${retried} failed job(s) (${of}).`);
}

/** `pause <queue>` / `resume <queue>`. */
export async function pauseCommand(c: CliContext, queueName: string, paused: boolean): Promise<void> {
  assertQueueName(queueName, paused ? 'pauseQueue(queue)' : 'resumeQueue(queue)', InvalidJobOptionsError, true);
  const queue = await queueOf(c);
  await (paused ? queue.pauseQueue(queueName) : queue.resumeQueue(queueName));
  c.out.emit({ queue: queueName, paused }, () => `Queue ${queueName} is ${paused ? 'paused' : 'running'}.`);
}

/** `purge --older-than 7d [--state ...]`: finished jobs, in batches. */
export async function purgeCommand(c: CliContext, olderThanMs: number, states?: JobState[]): Promise<void> {
  assertPurgeOptions({ olderThanMs, states });
  const queue = await queueOf(c);
  const bar = new ProgressBar(0, { unit: 'jobs', label: 'purge' });
  let deleted: number;
  try {
    deleted = await queue.purge({ olderThanMs, states, onProgress: (p) => bar.update(p.done, p.total) });
  } finally {
    bar.stop();
  }
  c.out.emit({ deleted }, () => `Deleted ${deleted} finished job(s).`);
}

/** `schema [--database d]`: the DDL of the queue's tables, for the app's database or the one named. */
export async function schemaCommand(c: CliContext, database?: DatabaseName): Promise<void> {
  const name = database ?? (await c.app()).get(JobStore).databaseName;
  const statements = jobsSchemaSql(name);
  c.out.emit({ database: name, statements }, () =>
    statements.map((s) => `${s.trim().replace(/;$/, '')};`).join('\n\n'),
  );
}
