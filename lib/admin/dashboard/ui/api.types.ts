/**
 * What the admin REST API sends, as JSON: the library's records with dates as ISO strings and ids
 * as strings. Written out here (not imported from lib/) because the browser sees the wire form.
 */
export type JobState = 'blocked' | 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'skipped';

export const JOB_STATES: readonly JobState[] = [
  'pending',
  'running',
  'blocked',
  'completed',
  'failed',
  'cancelled',
  'skipped',
];

export interface QueueOverview {
  queue: string;
  due: number;
  scheduled: number;
  running: number;
  blocked: number;
  failed: number;
  paused: boolean;
  completedLastHour: number;
  failedLastHour: number;
}

export interface ThroughputBucket {
  minute: string;
  completed: number;
  failed: number;
}

export interface JobSummary {
  id: string;
  name: string;
  queue: string;
  state: JobState;
  priority: number;
  attempts: number;
  maxAttempts: number;
  createdAt: string;
  runAfter: string;
  startedAt: string | null;
  finishedAt: string | null;
  pipelineId: string | null;
  errorMessage: string | null;
}

export interface JobErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

export interface JobAttempt {
  attempt: number;
  outcome: string;
  error?: JobErrorInfo;
  at: string;
  consumer?: string;
  delayMs?: number;
  reason?: string;
}

export interface JobRecord extends Omit<JobSummary, 'errorMessage'> {
  input: unknown;
  output: unknown;
  error: JobErrorInfo | null;
  attemptLog: JobAttempt[];
  timeoutMs: number | null;
  progress: { message: string; details?: unknown } | null;
  step: string | null;
  parentId: string | null;
  uniqueKey: string | null;
  concurrencyKey: string | null;
}

export interface PipelineGraph {
  pipeline: {
    id: string;
    name: string | null;
    state: string;
    createdAt: string;
    progress: { done: number; total: number };
    /** The named steps (JobQueue.getPipeline); jobs spawned at run time are nodes without a name here. */
    steps?: Record<string, { id: string; parentId?: string | null }>;
  };
  nodes: JobSummary[];
  edges: { from: string; to: string }[];
}

export interface JobPage {
  jobs: JobSummary[];
  next: string | null;
}
