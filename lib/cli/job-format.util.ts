import type { JobErrorInfo } from '../interfaces/job-context.js';
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
  if (job.error) parts.push(section('Error', errorText(job.error)));
  if (job.attemptLog.length) {
    const rows = job.attemptLog.map((a) => [
      a.attempt,
      a.outcome,
      when(a.at),
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

/** `Name: message`, then the stack (without its first line when that repeats them). */
function errorText(error: JobErrorInfo): string {
  const head = `${error.name}: ${error.message}`;
  if (!error.stack) return head;
  const lines = error.stack.split('\n');
  return [head, ...(lines[0] === head ? lines.slice(1) : lines)].join('\n');
}

/** An attempt's time as ISO text (SQLite hands it back as epoch milliseconds). */
function when(at: unknown): string {
  return typeof at === 'number' ? new Date(at).toISOString() : String(at);
}

function section(title: string, body: string): string {
  return `${title}:\n${body}`;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'null';
}
