import type { JobState, PipelineState } from './job-state.js';
import type { JobAttemptRecord, JobErrorInfo } from './job-context.js';
import type { Json } from './job-types.js';
import type { BackoffOptions } from './backoff-options.js';

/** A stored job as `enqueue()` and `get()` return it. */
export interface JobRecord<I = unknown, O = unknown> {
  id: string;
  name: string;
  queue: string;
  state: JobState;
  priority: number;
  input: I;
  output: O | null;
  /** The last error, with its stack. */
  error: JobErrorInfo | null;
  /** Every attempt that did not complete. */
  attemptLog: JobAttemptRecord[];
  attempts: number;
  maxAttempts: number;
  timeoutMs: number | null;
  /** The backoff set by `@Job()` or the enqueue call (merged over the defaults); null: the module's `defaultBackoff`, as the consumer resolves it. */
  backoff: BackoffOptions | null;
  runAfter: Date;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  progress: { message: string; details?: Json } | null;
  pipelineId: string | null;
  step: string | null;
  parentId: string | null;
  uniqueKey: string | null;
  /** The key of its `concurrency.perKey` limit (enqueue option `concurrencyKey`). */
  concurrencyKey: string | null;
}

/** A pipeline as `getPipeline()` returns it; its state is derived from its steps. */
export interface PipelineRecord {
  id: string;
  name: string | null;
  state: PipelineState;
  createdAt: Date;
  /** Steps that ended (completed, failed, cancelled or skipped) of all steps. */
  progress: { done: number; total: number };
  steps: Record<string, JobRecord>;
  workspace: Record<string, Json>;
}
