import type { JobState } from './job-state.js';
import type { PipelineRecord } from './job-record.js';

/** A job as a list shows it: no input, output or stack (`JobQueue.get(id)` has those). */
export interface JobSummary {
  id: string;
  name: string;
  queue: string;
  state: JobState;
  priority: number;
  attempts: number;
  maxAttempts: number;
  createdAt: Date;
  runAfter: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  pipelineId: string | null;
  /** The message of the job's last error, if it has one. */
  errorMessage: string | null;
}

/** Which jobs `JobsInspector.listJobs` returns; every field optional. */
export interface JobListFilter {
  state?: JobState;
  name?: string;
  queue?: string;
  /** Created at or after this time. */
  createdAfter?: Date;
  /** Created before this time. */
  createdBefore?: Date;
  /** The `next` cursor of the previous page. */
  after?: string;
  /** Jobs per page. @default 50 (at most 500) */
  limit?: number;
}

/** One page of jobs, newest first; `next` is the cursor of the following page, null on the last one. */
export interface JobPage {
  jobs: JobSummary[];
  next: string | null;
}

/** One queue at a glance: unfinished jobs by state, failed jobs, and outcomes of the last hour. */
export interface QueueOverview {
  queue: string;
  /** Pending and due now. */
  due: number;
  /** Pending with a `runAfter` ahead. */
  scheduled: number;
  running: number;
  blocked: number;
  /** Jobs in state failed (not purged yet). */
  failed: number;
  paused: boolean;
  completedLastHour: number;
  failedLastHour: number;
}

/** Jobs that completed and failed in one minute (`minute`: its start, ISO 8601, UTC). */
export interface ThroughputBucket {
  minute: string;
  completed: number;
  failed: number;
}

/** A pipeline with its steps as nodes and its dependencies as edges (`from` the dependency `to` the dependant). */
export interface PipelineGraph {
  pipeline: PipelineRecord;
  nodes: JobSummary[];
  edges: { from: string; to: string }[];
}
