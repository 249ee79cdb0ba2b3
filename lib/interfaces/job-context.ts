import type { EntityManager } from '@mikro-orm/core';
import type { Json } from './job-types.js';
import type { JobState } from './job-state.js';

/** What a pipeline step sees of one of its dependencies. */
export interface DependencyResult {
  jobId: string;
  state: JobState;
  output: unknown;
  error: JobErrorInfo | null;
}

/** A child step added at run time by `ctx.spawn()`. */
export interface SpawnRequest {
  name: string;
  input?: unknown;
  /** Key of the child in its pipeline (1 to 128 characters, unique in it); `<parent step>[<index>]` when omitted. */
  step?: string;
  priority?: number;
  queue?: string;
  maxAttempts?: number;
  timeoutMs?: number;
}

/** The second argument of every handler. */
export interface JobContext {
  jobId: string;
  name: string;
  queue: string;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the job times out, is cancelled, its lease is lost, or the consumer shuts down. */
  signal: AbortSignal;
  /** A forked EntityManager for this job alone. */
  em: EntityManager;
  pipelineId: string | null;
  step: string | null;
  /** Results of this step's dependencies (and of children they spawned), keyed by step. */
  dependencies: Record<string, DependencyResult>;
  /** Outputs of the children that step `step` spawned, in spawn order. */
  childOutputs(step: string): unknown[];
  /**
   * The pipeline's shared workspace (django-db-queue's idea): read it, change it, and the keys you
   * change are merged into the stored workspace when this step completes. `{}` outside pipelines.
   */
  workspace: Record<string, Json>;
  /**
   * Add child steps to this job's pipeline. They are created, exactly once, when this step completes;
   * every step that depends on this one then also waits for all of them. Each child is checked
   * here, and a bad one throws (and adds none of this call's children): an unknown job, bad options
   * or fields, a non-JSON or oversized input, a step key over 128 characters or already used, more
   * than maxBatchSize children in the attempt. The input is copied as it is at the call.
   */
  spawn(children: SpawnRequest | SpawnRequest[]): void;
  /**
   * End this attempt without counting it, and run the job again `delayMs` later (on the database's
   * clock): for an upstream that asks to come back later. It throws (`SnoozeJob`), so nothing after
   * it runs: `return ctx.snooze(60_000)` or `ctx.snooze(60_000)`. The attempt goes back
   * (`attempts` is as before it), and `attemptLog` gets a `snoozed` entry. A delay that is not an
   * integer from 0 to a year throws `InvalidJobOptionsError`, which fails the attempt.
   */
  snooze(delayMs: number): never;
  /** Store a progress note on the job (message and JSON details), visible through `get()` at once. */
  progress(message: string, details?: Json): Promise<void>;
}

export interface JobErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

/** One attempt that did not complete (failed, timed out, lost with its consumer, snoozed), or a retry by hand. */
export interface JobAttemptRecord {
  attempt: number;
  /**
   * `snoozed`: the handler snoozed (the attempt did not count); `retried`: `JobQueue.retry()` made
   * the job run again, its attempts reset (`attempt`: how many it had used).
   */
  outcome: 'failed' | 'timeout' | 'lost' | 'aborted' | 'snoozed' | 'retried';
  /** The attempt's error; none on `snoozed` and `retried` entries. */
  error?: JobErrorInfo;
  at: string;
  consumer?: string;
  /** On a `snoozed` entry: how long the job was put off. */
  delayMs?: number;
  /** On a `retried` entry: why it runs again (retried by hand, or a dependency was). */
  reason?: string;
}
