import type { INestApplicationContext } from '@nestjs/common';
import type { JobState } from '../interfaces/job-state.js';
import { JobQueue } from '../queue/job-queue.service.js';
import { JobStore } from '../persistence/job.store.js';
import { jobsSchemaSql, type DatabaseName } from '../persistence/schema-ddl.js';
import { CliOutput, table } from './cli-output.js';
import { formatJob, jobLine } from './job-format.util.js';
import { ProgressBar } from './progress-bar.util.js';

/** What a command runs with: the app (created on first use, after the arguments were read) and stdout. */
export interface CliContext {
  app(): Promise<INestApplicationContext>;
  out: CliOutput;
}

const queueOf = async (c: CliContext) => (await c.app()).get(JobQueue);

/** `depths`: unfinished jobs per queue. */
export async function depthsCommand(c: CliContext, queues?: string[]): Promise<void> {
  const depths = await (await queueOf(c)).queueDepths(queues);
  const rows = Object.entries(depths)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([queue, d]) => ({ queue, ...d, paused: d.paused === true }));
  c.out.emit({ queues: rows }, () =>
    rows.length === 0
      ? 'No unfinished jobs in any queue.'
      : table(
          ['queue', 'due', 'scheduled', 'running', 'blocked', 'paused'],
          rows.map((r) => [r.queue, r.due, r.scheduled, r.running, r.blocked, r.paused ? 'yes' : '']),
        ),
  );
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
  const queue = await queueOf(c);
  await (paused ? queue.pauseQueue(queueName) : queue.resumeQueue(queueName));
  c.out.emit({ queue: queueName, paused }, () => `Queue ${queueName} is ${paused ? 'paused' : 'running'}.`);
}

/** `purge --older-than 7d [--state ...]`: finished jobs, in batches. */
export async function purgeCommand(c: CliContext, olderThanMs: number, states?: JobState[]): Promise<void> {
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
