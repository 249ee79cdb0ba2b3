import type { EntityManager } from '@mikro-orm/core';
import type { BackoffOptions } from './backoff-options.js';
import type { JobInput } from './job-types.js';
import type { ThreadJobOptions } from '../threads/thread-job.types.js';

/** Options shared by `@Job()` (as defaults) and `enqueue()` (per job). */
export interface JobRunOptions {
  /** Queue the job goes to; consumers can be limited to queues. @default 'default' */
  queue?: string;
  /** Higher runs first; a 32-bit integer. @default 0 */
  priority?: number;
  /** Attempts in all, the first included. @default 3 */
  maxAttempts?: number;
  /** Retry delays. @default { baseMs: 1000, maxMs: 3600000, jitter: true } */
  backoff?: BackoffOptions;
  /** Abort an attempt that runs longer than this; it then fails with `JobTimeoutError` and may retry. @default none */
  timeoutMs?: number;
}

/** Options of `@Job(name, options)`. */
export interface JobHandlerOptions extends JobRunOptions {
  /**
   * A class-validator DTO class. Inputs are validated against it at enqueue and again before the run;
   * the handler receives an instance of it (needs `class-transformer`). @default none
   */
  input?: new (...args: any[]) => object;
  /**
   * Run this job on a schedule: a cron expression (five or six fields, or `CronExpression` from
   * @nestjs/schedule). Every consumer that handles it keeps the next occurrence enqueued; each
   * occurrence runs once. Needs @nestjs/schedule installed. @default none
   */
  cron?: string;
  /** Time zone of `cron`, e.g. 'Europe/Paris'. @default the process's */
  cronTimeZone?: string;
  /** Input of each scheduled run. @default null */
  cronInput?: unknown;
  /**
   * Run this job in the consumer's worker-thread pool, off its event loop (CPU-bound work). The
   * thread imports `file` and calls its export `(input, ctx: ThreadJobContext) => output`; the
   * decorated method's body is not called (Nest providers do not cross into a thread). Timeouts,
   * cancellation and `ctx.progress` work as usual. @default none (the method runs in the consumer)
   */
  thread?: ThreadJobOptions;
  /**
   * At most `max` starts of this job in any `perMs` window, across every consumer process (the claim
   * counts them in the database). A job held back stays pending and does not hold up other jobs.
   * A retry is a new start. @default none (no limit)
   */
  rateLimit?: JobRateLimit;
  /**
   * At most `max` jobs of this name running at once, and at most `perKey` running at once per
   * `concurrencyKey` given at enqueue, across every consumer process. A claimed job counts from its
   * claim until it ends; a job of a killed consumer holds its place until its lease lapses.
   * @default none (no limit)
   */
  concurrency?: JobConcurrencyLimit;
}

/** `@Job()` option `rateLimit`. */
export interface JobRateLimit {
  /** Starts allowed per window; an integer >= 1. */
  max: number;
  /** The window, in milliseconds; an integer >= 1. */
  perMs: number;
}

/** `@Job()` option `concurrency`; at least one of the two. */
export interface JobConcurrencyLimit {
  /** Running jobs of this name at once; an integer >= 1. @default none */
  max?: number;
  /** Running jobs of this name at once per `concurrencyKey` (jobs without a key are not limited by it); an integer >= 1. @default none */
  perKey?: number;
}

/** Options of `JobQueue.enqueue()`. */
export interface EnqueueOptions extends JobRunOptions {
  /** Do not run before this time (compared with the database clock). @default now */
  runAfter?: Date;
  /**
   * Write the job in this EntityManager's transaction: it commits or rolls back with your own rows.
   * Without it the job is written at once in its own statement.
   */
  em?: EntityManager;
  /**
   * At most one job that is not finished (pending, blocked or running) may hold a given key;
   * enqueueing another returns the existing job instead. @default none
   */
  uniqueKey?: string;
  /**
   * The job's key for its `@Job()` `concurrency.perKey` limit (one tenant, account or API token):
   * at most `perKey` jobs of this name with this key run at once. Without a `perKey` limit on the
   * job, the key is stored and has no effect. At most 255 characters. @default none
   */
  concurrencyKey?: string;
  /**
   * Deduplication by key, with a mode (instead of `uniqueKey`, which is `{ key }`):
   * - `{ key }`: at most one unfinished job per key (as `uniqueKey`);
   * - `{ key, forMs }`: nor one enqueued in the last `forMs`, finished or not; the newest such job is returned;
   * - `{ key, replace: true }`: a job still waiting (pending) with the key gets this call's input and
   *   `runAfter` (now when not given), and is returned;
   * - `{ key, debounceMs }`: `replace`, with `runAfter` the database's clock + `debounceMs`: the job
   *   runs once enqueues of its key stop for that long.
   * A running (or blocked) holder is returned unchanged. @default none
   */
  unique?: UniqueOptions;
}

/** See `EnqueueOptions.unique`. */
export interface UniqueOptions {
  /** 1 to 255 characters. */
  key: string;
  /** Also dedupe against jobs enqueued this long ago or less, finished ones included. @default none */
  forMs?: number;
  /** Update the waiting job's input and `runAfter` instead of keeping the first. @default false */
  replace?: boolean;
  /** Replace, and put the job off to this long after the database's clock. @default none */
  debounceMs?: number;
}

/**
 * One entry of `JobQueue.enqueueMany()`. With `JobTypes` declared it is a union with one member per
 * job name, so each item's input is checked against its own name's declaration.
 */
export type EnqueueManyItem<N extends string = string> = N extends string
  ? Omit<EnqueueOptions, 'em'> & { name: N; input?: JobInput<N> }
  : never;
