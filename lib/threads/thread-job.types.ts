import type { MessagePort } from 'node:worker_threads';
import type { JobErrorInfo } from '../interfaces/job-context.js';
import type { Json } from '../interfaces/job-types.js';

/** Where a thread job's code is: a module the worker thread imports, and the function it exports. */
export interface ThreadJobOptions {
  /** The module: a `file:` URL (`new URL('./resize.thread.js', import.meta.url)`) or an absolute path to JavaScript. */
  file: URL | string;
  /** The exported function, `(input, ctx: ThreadJobContext) => output`. @default 'default' */
  export?: string;
}

/**
 * The second argument of a thread job's function. Only what can cross a thread boundary: data about
 * the run, an abort signal and progress notes. No EntityManager, no Nest providers, no `spawn`,
 * `workspace` or `childOutputs`: those belong to the consumer's thread.
 */
export interface ThreadJobContext {
  jobId: string;
  name: string;
  queue: string;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
  pipelineId: string | null;
  step: string | null;
  /**
   * Aborted when the job times out, is cancelled, loses its lease or the consumer shuts down. The
   * thread is terminated right after, so code that ignores it stops anyway.
   */
  signal: AbortSignal;
  /** Store a progress note on the job (message and JSON details); resolves once it is written. */
  progress(message: string, details?: Json): Promise<void>;
}

/** What a thread job's module exports. */
export type ThreadJobHandler<I = any, O = unknown> = (input: I, ctx: ThreadJobContext) => O | Promise<O>;

/** Internal: a task as the pool hands it to the thread (structured clone). */
export interface ThreadTask {
  file: string;
  exportName: string;
  input: unknown;
  job: Omit<ThreadJobContext, 'signal' | 'progress'>;
  port: MessagePort;
  /** The nice increment the thread applies to itself before its first task (JobsModule `threadNice`). */
  nice: number;
}

/** Internal: what the thread answers; errors travel as data so their name, message and stack survive. */
export type ThreadResult = { ok: true; output: unknown } | { ok: false; error: JobErrorInfo };

/** Internal: messages on the task's port. Thread to consumer: progress; consumer to thread: acks and abort. */
export type ThreadPortMessage =
  | { type: 'progress'; id: number; message: string; details: Json | null }
  | { type: 'ack'; id: number; error?: JobErrorInfo }
  | { type: 'abort'; reason: JobErrorInfo };
