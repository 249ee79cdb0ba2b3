import { SCHEDULE_TABLE } from '../schedule.entity.js';
import type { Sql, SqlSyntax } from '../sql.util.js';
import type { ScheduleFilter, ScheduleRow } from '../schedule-row.js';

/**
 * The statements of run-time schedules (`queue_schedule`, schema version 3). Times go in as epoch
 * milliseconds (`fromEpochMs`): a schedule's occurrences are computed by the process, in the
 * schedule's time zone, and stored as they were computed.
 */

const COLUMNS =
  'schedule_key, cron, name, input, options, time_zone, missed, next_run_at, last_run_at, version, created_at, updated_at';

/** The VALUES of a new schedule row (version 0, never run). */
function values(syntax: SqlSyntax, row: ScheduleRow): { p: ReturnType<SqlSyntax['params']>; values: string } {
  const p = syntax.params();
  const json = (v: string | null) => (v === null ? 'NULL' : syntax.json(p.add(v)));
  const list = [
    p.add(row.key),
    p.add(row.cron),
    p.add(row.name),
    json(row.input),
    json(row.options),
    p.add(row.time_zone),
    p.add(row.missed),
    syntax.fromEpochMs(p.add(row.next_run_ms)),
    'NULL',
    '0',
    syntax.now,
    syntax.now,
  ];
  return { p, values: list.join(', ') };
}

/** The columns a change replaces: everything the caller gives; `last_run_at` and `created_at` stay. */
const REPLACED = ['cron', 'name', 'input', 'options', 'time_zone', 'missed', 'next_run_at', 'updated_at'];

/** Inserts a schedule, or replaces the one with its key (its `version` bumped, so an advance in flight from the old version changes nothing). */
export function upsertSchedule(syntax: SqlSyntax, row: ScheduleRow): Sql {
  const { p, values: v } = values(syntax, row);
  const set = REPLACED.map((c) => `${c} = excluded.${c}`).join(', ');
  return p.sql(`INSERT INTO ${SCHEDULE_TABLE} (${COLUMNS}) VALUES (${v})
    ON CONFLICT (schedule_key) DO UPDATE SET ${set}, version = ${SCHEDULE_TABLE}.version + 1`);
}

/** MariaDB's form of `upsertSchedule` (no ON CONFLICT; `VALUES(col)` is the row it tried to insert). */
export function upsertScheduleOnDuplicate(syntax: SqlSyntax, row: ScheduleRow): Sql {
  const { p, values: v } = values(syntax, row);
  const set = REPLACED.map((c) => `${c} = VALUES(${c})`).join(', ');
  return p.sql(`INSERT INTO ${SCHEDULE_TABLE} (${COLUMNS}) VALUES (${v})
    ON DUPLICATE KEY UPDATE ${set}, version = version + 1`);
}

/** Deletes a schedule; returns its key when there was one (DELETE ... RETURNING on every database). */
export function deleteSchedule(syntax: SqlSyntax, key: string): Sql {
  const p = syntax.params();
  return p.sql(`DELETE FROM ${SCHEDULE_TABLE} WHERE schedule_key = ${p.add(key)} RETURNING schedule_key`);
}

/**
 * Schedules by key (`key`), or those due by `dueAtMs` (oldest next run first, at most `limit`), or
 * all (by key). `lock`: the rows stay locked until the transaction ends (an advance's read).
 */
export function selectSchedules(syntax: SqlSyntax, filter: ScheduleFilter): Sql {
  const p = syntax.params();
  const where: string[] = [];
  if (filter.key !== undefined) where.push(`schedule_key = ${p.add(filter.key)}`);
  if (filter.dueAtMs !== undefined) where.push(`next_run_at <= ${syntax.fromEpochMs(p.add(filter.dueAtMs))}`);
  const order = filter.dueAtMs !== undefined ? 'next_run_at, schedule_key' : 'schedule_key';
  const limit = filter.limit !== undefined ? ` LIMIT ${p.add(filter.limit)}` : '';
  const lock = filter.lock ? syntax.forUpdate : '';
  return p.sql(
    `SELECT * FROM ${SCHEDULE_TABLE}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}${limit}${lock}`,
  );
}

/** Moves a schedule on from `version` (compare-and-set): its next run, and its last run when one was enqueued. */
export function advanceSchedule(
  syntax: SqlSyntax,
  key: string,
  version: number,
  nextMs: number,
  lastMs: number | null,
): Sql {
  const p = syntax.params();
  const last = lastMs === null ? 'last_run_at' : syntax.fromEpochMs(p.add(lastMs));
  return p.sql(`UPDATE ${SCHEDULE_TABLE} SET next_run_at = ${syntax.fromEpochMs(p.add(nextMs))}, last_run_at = ${last},
    version = version + 1, updated_at = ${syntax.now} WHERE schedule_key = ${p.add(key)} AND version = ${p.add(version)}`);
}
