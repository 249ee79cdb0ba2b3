import type { EntityManager } from '@mikro-orm/core';
import type { BackoffOptions } from './backoff-options.js';
import type { JobInput } from './job-types.js';

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
