import type { Kysely } from 'kysely';
import type { MikroORM } from '@mikro-orm/core';
import type { Executor } from './sql.util.js';
import type { JobRow, Listener } from './jobs-dialect.js';
import type { JobPageFilter } from './statements/browse-jobs.sql.js';
import type { ScheduleFilter, ScheduleRow } from './schedule-row.js';

/**
 * The part of a database's contract (`JobsDialect`) that serves operators rather than the queue's
 * hot path: the console's reads, run-time schedules, health checks and finished-job notices.
 * `SharedOperatorSql` implements it for the databases that share their SQL.
 */
export interface OperatorDialect {
  /**
   * Unfinished jobs per queue and state, pending ones split by `scheduled`: 1 when `run_after` is
   * ahead of the database clock, else 0 (0 for other states). `queues`: only these (all when undefined).
   * `oldest`: the group's earliest `run_after`; `now`: the database clock.
   */
  queueDepths(
    ex: Executor,
    queues?: readonly string[],
  ): Promise<{ queue: string; state: string; scheduled: unknown; n: unknown; oldest: unknown; now: unknown }[]>;
  /** A page of jobs (`SUMMARY_COLUMNS`), newest first (see `selectJobPage`). */
  jobPage(ex: Executor, filter: JobPageFilter): Promise<JobRow[]>;
  /** Failed jobs per queue. */
  failedPerQueue(ex: Executor): Promise<{ queue: string; n: unknown }[]>;
  /** Jobs completed or failed in the last `windowMs` (database clock), per queue and state. */
  finishedPerQueue(ex: Executor, windowMs: number): Promise<{ queue: string; state: string; n: unknown }[]>;
  /** Jobs completed or failed in the last `windowMs`, per minute since the epoch (UTC) and state; and the clock's minute. */
  finishedPerMinute(
    ex: Executor,
    windowMs: number,
  ): Promise<{ now: number; rows: { minute: unknown; state: string; n: unknown }[] }>;

  /**
   * Run-time schedules (`queue_schedule`, schema version 3). `saveSchedule` inserts one or replaces
   * the one with its key: every column but `last_run_at` and `created_at`, and `version` + 1.
   * `schedules` reads rows as stored (see `ScheduleFilter`; `lock` as in Locking). `advanceSchedule`
   * changes the row only while it is at `version` (compare-and-set), and bumps it.
   */
  saveSchedule(ex: Executor, row: ScheduleRow): Promise<void>;
  /** Whether a schedule with that key was there (and is now deleted). */
  deleteSchedule(ex: Executor, key: string): Promise<boolean>;
  schedules(ex: Executor, filter: ScheduleFilter): Promise<Record<string, unknown>[]>;
  advanceSchedule(tx: Executor, key: string, version: number, nextMs: number, lastMs: number | null): Promise<void>;

  /** Tells listeners of finished jobs (when `ex` commits), each payload (text under 8,000 bytes) in one notification. */
  notifyFinished(ex: Executor, payloads: readonly string[]): Promise<void>;
  /** Whether any connection may listen for `notifyFinished` now (true where the database cannot tell). */
  finishedHeard(ex: Executor): Promise<boolean>;
  /** `listen` for `notifyFinished`: `onPayload` gets each payload, and undefined once (re)connected (missed meanwhile). */
  listenFinished(
    orm: MikroORM,
    onPayload: (payload: string | undefined) => void,
    warn: (message: string) => void,
  ): Promise<Listener>;
  /** Throws unless the database answers (and, for a database in a file, the file is still where it was opened). */
  ping(db: Kysely<any>): Promise<void>;
  /** The oldest `run_after` of due pending jobs in queues not paused (null when none) and the database clock. */
  oldestDue(ex: Executor, queues?: readonly string[]): Promise<{ oldest: unknown; now: unknown }>;
  /** Which of these pipelines have no unfinished step left. */
  endedPipelines(ex: Executor, pipelineIds: readonly string[]): Promise<string[]>;
}
