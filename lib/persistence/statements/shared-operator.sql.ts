import type { Kysely } from 'kysely';
import type { MikroORM } from '@mikro-orm/core';
import type { JobRow, Listener } from '../jobs-dialect.js';
import { run, type Executor, type SqlSyntax } from '../sql.util.js';
import { selectPausedQueues, setQueuePaused } from './queue-control.sql.js';
import * as browse from './browse-jobs.sql.js';
import * as schedules from './schedule.sql.js';
import type { ScheduleFilter, ScheduleRow } from '../schedule-row.js';
import { PING_SQL, selectEndedPipelines, selectOldestDue } from './monitor.sql.js';

/**
 * The operators' intents PostgreSQL and SQLite share (health, finish notices, the console's reads,
 * pause, run-time schedules), off the hot path; `SharedSqlDialect` adds the queue's own.
 */
export abstract class SharedOperatorSql {
  constructor(protected readonly syntax: SqlSyntax) {}

  /** Where the database has no notifications: nothing to tell, nothing to hear. */
  async notifyFinished(_ex: Executor, _payloads: readonly string[]): Promise<void> {}

  async finishedHeard(_ex: Executor): Promise<boolean> {
    return false;
  }

  async listenFinished(
    _orm: MikroORM,
    _onPayload: (payload: string | undefined) => void,
    _warn: (message: string) => void,
  ): Promise<Listener> {
    return { close: async () => undefined };
  }

  async ping(db: Kysely<any>): Promise<void> {
    await run(db, PING_SQL);
  }

  async oldestDue(ex: Executor, queues?: readonly string[]) {
    const [row] = await run<{ oldest: unknown; now: unknown }>(ex, selectOldestDue(this.syntax, queues));
    return row ?? { oldest: null, now: null };
  }

  async endedPipelines(ex: Executor, pipelineIds: readonly string[]) {
    if (pipelineIds.length === 0) return [];
    return (await run<{ pipeline_id: unknown }>(ex, selectEndedPipelines(this.syntax, pipelineIds))).map((r) =>
      String(r.pipeline_id),
    );
  }

  jobPage(ex: Executor, filter: browse.JobPageFilter) {
    return run<JobRow>(ex, browse.selectJobPage(this.syntax, filter));
  }

  failedPerQueue(ex: Executor) {
    return run<{ queue: string; n: unknown }>(ex, browse.selectFailedPerQueue());
  }

  finishedPerQueue(ex: Executor, windowMs: number) {
    return run<{ queue: string; state: string; n: unknown }>(ex, browse.selectFinishedPerQueue(this.syntax, windowMs));
  }

  async finishedPerMinute(ex: Executor, windowMs: number) {
    const rows = await run<{ minute: unknown; state: string; n: unknown }>(
      ex,
      browse.selectFinishedPerMinute(this.syntax, windowMs),
    );
    const [clock] = await run<{ minute: unknown }>(ex, browse.selectClockMinute(this.syntax));
    return { now: Number(clock!.minute), rows };
  }

  async setQueuePaused(ex: Executor, queue: string, paused: boolean) {
    await run(ex, setQueuePaused(this.syntax, queue, paused));
  }

  async pausedQueues(ex: Executor) {
    return (await run<{ queue: string }>(ex, selectPausedQueues())).map((r) => r.queue);
  }

  async saveSchedule(ex: Executor, row: ScheduleRow) {
    await run(ex, schedules.upsertSchedule(this.syntax, row));
  }

  async deleteSchedule(ex: Executor, key: string) {
    return (await run(ex, schedules.deleteSchedule(this.syntax, key))).length > 0;
  }

  schedules(ex: Executor, filter: ScheduleFilter) {
    return run(ex, schedules.selectSchedules(this.syntax, filter));
  }

  async advanceSchedule(tx: Executor, key: string, version: number, nextMs: number, lastMs: number | null) {
    await run(tx, schedules.advanceSchedule(this.syntax, key, version, nextMs, lastMs));
  }
}
