import type { JobRecord } from '../interfaces/job-record.js';
import type { Json } from '../interfaces/job-types.js';

/**
 * The types the store's callers hand it and get back. The consumer loop, the runner and the
 * services import them from here; nothing here says which database is behind the store.
 */

/** A job as a consumer claims it: what running it needs (`CLAIMED_COLUMNS`). */
export type ClaimedJob = Pick<
  JobRecord,
  | 'id'
  | 'name'
  | 'queue'
  | 'priority'
  | 'input'
  | 'attempts'
  | 'maxAttempts'
  | 'timeoutMs'
  | 'backoff'
  | 'runAfter'
  | 'pipelineId'
  | 'step'
> & {
  /** The enqueuing span's W3C trace context (`queue_job.trace_context`); null or absent when none was stored. */
  traceContext?: string | null;
};

/** One group of `JobStore.queueDepths`: a queue's unfinished jobs in one state. */
export interface QueueDepthRow {
  queue: string;
  state: string;
  /** Pending with a `runAfter` still ahead. */
  scheduled: boolean;
  n: number;
  /** Since the group's earliest `runAfter`, on the database clock (negative for scheduled jobs). */
  ageMs: number;
}

export interface ClaimFilter {
  consumerId: string;
  limit: number;
  leaseMs: number;
  /** Only these names (already the consumer's handlers minus its exclude list). */
  names: readonly string[];
  queues?: readonly string[];
  /**
   * Claim with the planner held to the claim index's order, where the dialect has such a setting
   * (PostgreSQL). Worth its extra round trips while there is a backlog; an idle consumer's claims go without.
   */
  guardPlan?: boolean;
  /** Names among `names` with limits (`@Job()` `rateLimit` / `concurrency`): claimed apart, under their limits. */
  limits?: readonly JobLimit[];
  /** Queues with limits (module option `queues`): their jobs are claimed apart, under their limits. */
  queueLimits?: readonly QueueLimit[];
  /** Leave these queues out (`claim` only: the limited queues, claimed apart). */
  notQueues?: readonly string[];
}

/** What a job name or a queue can be limited to, across every consumer process. */
export interface LimitCaps {
  /** At most this many running at once. */
  maxRunning?: number;
  /** At most `rateMax` starts in any `ratePerMs` window. */
  rateMax?: number;
  ratePerMs?: number;
}

/**
 * The limits of one job name, enforced by the claim in the database for every consumer process:
 * at most `maxRunning` running, at most `perKey` running per `concurrency_key`, at most `rateMax`
 * starts in any `ratePerMs` window. A claimed job counts as running (and as started) from its claim.
 */
export interface JobLimit extends LimitCaps {
  name: string;
  perKey?: number;
}

/** The limits of one queue, over every job name in it, enforced like a name's (`JobLimit`). */
export interface QueueLimit extends LimitCaps {
  queue: string;
}

/**
 * One part of a limited claim: the due jobs of one limited name, or of `names` (none limited) in
 * one limited queue, claimed under every limit that applies to them (the name's and the queue's).
 */
export interface ClaimUnit {
  /** The limited name, or none: the unit claims `names`. */
  name?: JobLimit;
  /** The names claimed (`[name.name]` with `name`). */
  names: readonly string[];
  /** The limited queue the unit claims from, or none: any queue but `notQueues` (the limited ones). */
  queue?: QueueLimit;
  notQueues: readonly string[];
}

/**
 * The claim order, stated once: priority first (higher runs first), then `run_after`, then id.
 * `CLAIM_ORDER_SQL` is what claim statements and the claim index sort by; `claimOrder` sorts claimed
 * rows the same way, since an UPDATE ... RETURNING gives them back in no particular order.
 */
export const CLAIM_ORDER_SQL = 'priority DESC, run_after, id';

export function claimOrder(a: ClaimedJob, b: ClaimedJob): number {
  return b.priority - a.priority || a.runAfter.getTime() - b.runAfter.getTime() || Number(a.id) - Number(b.id);
}

/**
 * The columns a claim returns. On a drain of no-op jobs, receiving and parsing every column of each
 * claimed row was about a sixth of the consumer's CPU, and with 17 columns still 14% (cpu profile,
 * bench noop-drain).
 */
export const CLAIMED_COLUMNS = [
  'id',
  'name',
  'queue',
  'priority',
  'input',
  'attempts',
  'max_attempts',
  'timeout_ms',
  'backoff',
  'run_after',
  'pipeline_id',
  'step',
  'trace_context',
] as const;

/** One job to insert; JSON fields arrive already serialised (and size-checked). */
export interface NewJobRow {
  /** Position in the batch: rows are inserted in this order, so their ids ascend with it. */
  ord: number;
  name: string;
  queue: string;
  state: 'pending' | 'blocked';
  priority: number;
  input: string;
  max_attempts: number;
  backoff: string | null;
  timeout_ms: number | null;
  /** null means now, on the database's clock. */
  run_after: Date | null;
  pipeline_id: string | null;
  step: string | null;
  parent_id: string | null;
  blocking_deps: number;
  unique_key: string | null;
  /** How `unique_key` dedupes beyond one unfinished job per key (not a column). */
  dedup?: { forMs?: number; replace?: boolean; debounceMs?: number };
  concurrency_key: string | null;
  /** The enqueuing span's W3C trace context; null unless a span was recording. */
  trace_context: string | null;
}

/**
 * What an insert gave: a job per row, in input order, and the ids of the jobs it wrote. A row whose
 * unique key was held (or enqueued within its `unique.forMs`) yields the job that holds it, which is
 * not in `written`; nor is a waiting job that a `replace` or `debounce` row updated (it was written
 * by the enqueue that created it).
 */
export interface InsertedJobs {
  jobs: JobRecord[];
  written: ReadonlySet<string>;
}

/** The columns an insert writes from `NewJobRow` (all but `ord`). */
export const INSERT_COLUMNS = [
  'name',
  'queue',
  'state',
  'priority',
  'input',
  'max_attempts',
  'backoff',
  'timeout_ms',
  'run_after',
  'pipeline_id',
  'step',
  'parent_id',
  'blocking_deps',
  'unique_key',
  'concurrency_key',
  'trace_context',
] as const satisfies readonly (keyof NewJobRow)[];

/** What an insert returns per row; the rest of the record is what was inserted. */
export interface InsertedRow {
  id: unknown;
  name: string;
  unique_key: string | null;
  run_after: unknown;
  created_at: unknown;
}

export const INSERTED_COLUMNS = 'id, name, unique_key, run_after, created_at';

/** What `JobsDialect.insertPlainJobs` returns: the new ids in input order, and their one creation time. */
export interface InsertedIds {
  ids: string[];
  createdAt: unknown;
}

export interface CompletedJob {
  id: string;
  attempt: number;
  /** Serialised JSON output. */
  output: string;
}

/** The top-level keys a step changed in its pipeline's workspace: new values, and keys it deleted. */
export interface WorkspacePatch {
  set: Record<string, Json>;
  unset: string[];
}

/**
 * What a completed job changes besides its own row, as data: the store applies it in the finish
 * transaction, only if the job really completed there (still its consumer's, no cancel requested).
 */
export interface CompletionEffects {
  /** The job's name and step key, for messages. */
  name: string;
  step: string | null;
  pipelineId: string | null;
  /** Children spawned by `ctx.spawn()`, checked and ready to insert; each is wired to the spawner's dependants. */
  children: NewJobRow[];
  /** Changes to the pipeline's workspace. */
  workspace: WorkspacePatch | null;
}

export interface FailedJob {
  id: string;
  attempt: number;
  /** No retry: the job ends failed (or cancelled, if a cancel was requested). */
  final: boolean;
  /** Wait before the retry, when not final. */
  delay_ms: number;
  /** Serialised `JobErrorInfo`. */
  error: string;
  /** Serialised `JobAttemptRecord` without `at`, which the database clock fills in. */
  log: string;
}

/** An attempt the handler snoozed: given back (not counted), due again after `delay_ms`. */
export interface SnoozedJob {
  id: string;
  attempt: number;
  delay_ms: number;
  /** Serialised `JobAttemptRecord` without `at`, which the database clock fills in. */
  log: string;
}

/** A finished job set going again by `JobQueue.retry` (see `JobsDialect.reopen`). */
export interface ReopenedRow {
  id: string;
  /** The state it was read in: the write happens only if it is still in it. */
  from: string;
  state: 'pending' | 'blocked';
  /** Dependencies it waits for (0 when pending). */
  blocking: number;
  /** Serialised `JobAttemptRecord` (outcome `retried`) without `at`, which the database clock fills in. */
  log: string;
}

/** What one consumer hands back in one batch; written in one transaction. */
export interface FinishBatch {
  completed: (CompletedJob & { effects?: CompletionEffects })[];
  failed: FailedJob[];
  snoozed: SnoozedJob[];
  released: { id: string; attempt: number }[];
}

/** A job a statement ended or changed, with what settling its dependants needs. */
export interface EndedRow {
  id: unknown;
  pipeline_id: unknown;
  state: string;
}

/** Which jobs `JobStore.find` returns (each field optional but `limit`). */
export interface JobFilter {
  name?: string;
  queue?: string;
  states?: readonly string[];
  limit: number;
}
