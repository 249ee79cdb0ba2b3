/**
 * Compile-time test of typed jobs (README "Typed jobs"): with JobTypes declared, job names, inputs
 * and outputs are checked. Every `@ts-expect-error` line must be an error, or tsc reports the
 * directive as unused; every other line must compile. Never run, only type-checked by
 * `tsc -p test/types/tsconfig.json` (test/e2e/typing.spec.ts).
 */
import type { JobContext, JobInput, JobName, JobOutput, JobQueue, JobRecord } from '../../lib/index.js';

declare module '../../lib/index.js' {
  interface JobTypes {
    'mail.welcome': { input: { userId: number }; output: { messageId: string } };
    'report.build': { input: { month: string; pages?: number }; output: number };
  }
}

declare const queue: JobQueue;

export async function typedEnqueue() {
  const job = await queue.enqueue('mail.welcome', { userId: 1 });
  const messageId: string | undefined = job.output?.messageId;
  const userId: number = job.input.userId;
  await queue.enqueue('report.build', { month: '2026-11' }, { priority: 5 });
  await queue.enqueue('report.build', { month: '2026-11', pages: 3 });

  // @ts-expect-error unknown job name
  await queue.enqueue('mail.welcom', { userId: 1 });
  // @ts-expect-error wrong input shape
  await queue.enqueue('mail.welcome', { user: 1 });
  // @ts-expect-error wrong input type
  await queue.enqueue('mail.welcome', { userId: '1' });
  // @ts-expect-error missing required field
  await queue.enqueue('report.build', { pages: 3 });
  // @ts-expect-error output is { messageId: string }, not a number
  const wrong: number | undefined = job.output?.messageId;

  return { messageId, userId, wrong };
}

export async function typedReads(id: string) {
  const report = await queue.get<'report.build'>(id);
  const pages: number | null = report.output;
  const done = await queue.waitFor<'mail.welcome'>(id);
  const messageId: string | undefined = done.output?.messageId;
  // @ts-expect-error the output of report.build is a number
  const text: string | null = report.output;
  // @ts-expect-error unknown job name
  await queue.get<'nope'>(id);
  return { pages, messageId, text };
}

export async function typedMany() {
  await queue.enqueueMany([
    { name: 'mail.welcome', input: { userId: 1 } },
    { name: 'report.build', input: { month: 'x' } },
  ]);
  // @ts-expect-error unknown job name in a batch
  await queue.enqueueMany([{ name: 'mail.welcom', input: { userId: 1 } }]);
  // @ts-expect-error each item's input is checked against its own name
  await queue.enqueueMany([{ name: 'mail.welcome', input: { month: '2026-11' } }]);
}

// The helper types follow the declarations.
const name: JobName = 'mail.welcome';
// @ts-expect-error not a declared name
const badName: JobName = 'mail.goodbye';
const input: JobInput<'report.build'> = { month: '2026-11' };
const output: JobOutput<'report.build'> = 42;
// @ts-expect-error a number is not the output of mail.welcome
const badOutput: JobOutput<'mail.welcome'> = 42;

/** A handler can take its types from the declarations. */
export function handler(i: JobInput<'mail.welcome'>, ctx: JobContext): JobOutput<'mail.welcome'> {
  return { messageId: `${i.userId}:${ctx.jobId}:${ctx.attempt}` };
}

export type Typed = JobRecord<JobInput<'mail.welcome'>, JobOutput<'mail.welcome'>>;
export { name, badName, input, output, badOutput };
