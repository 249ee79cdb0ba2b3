import type { JobRecord } from '../interfaces/job-record.js';
import { fieldTable, table, text } from './cli-output.js';

/** `show`'s text: the job's fields, then input, output, progress, the last error with its stack, and the attempt log. */
export function formatJob(job: JobRecord): string {
  const parts = [
    fieldTable([
      ['id', job.id],
      ['name', job.name],
      ['queue', job.queue],
      ['state', job.state],
      ['priority', job.priority],
      ['attempts', `${job.attempts}/${job.maxAttempts}`],
      ['created', text(job.createdAt)],
      ['run after', text(job.runAfter)],
      ['started', text(job.startedAt)],
      ['finished', text(job.finishedAt)],
      ...(job.pipelineId ? ([['pipeline', `${job.pipelineId} (step ${job.step ?? '?'})`]] as [string, string][]) : []),
      ...(job.parentId ? ([['parent', job.parentId]] as [string, string][]) : []),
      ...(job.uniqueKey ? ([['unique key', job.uniqueKey]] as [string, string][]) : []),
    ]),
    section('Input', json(job.input)),
  ];
  if (job.output !== null) parts.push(section('Output', json(job.output)));
  if (job.progress) parts.push(section('Progress', json(job.progress)));
  if (job.error) parts.push(section('Error', job.error.stack ?? `${job.error.name}: ${job.error.message}`));
  if (job.attemptLog.length) {
    const rows = job.attemptLog.map((a) => [
      a.attempt,
      a.outcome,
      a.at,
      a.error ? `${a.error.name}: ${a.error.message}` : (a.reason ?? ''),
    ]);
    parts.push(section('Attempts', table(['attempt', 'outcome', 'at', 'error or reason'], rows)));
  }
  return parts.join('\n\n');
}

/** One line saying what an action left the job as. */
export function jobLine(job: JobRecord, what: string): string {
  return `Job ${job.id} (${job.name}, queue ${job.queue}) ${what}: now ${job.state}.`;
}

function section(title: string, body: string): string {
  return `${title}:\n${body}`;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}
