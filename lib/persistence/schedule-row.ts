/** A schedule as `JobStore.schedules.save` writes it (JSON as text, times as epoch milliseconds). */
export interface ScheduleRow {
  key: string;
  cron: string;
  name: string;
  input: string | null;
  options: string | null;
  time_zone: string | null;
  missed: string;
  next_run_ms: number;
}

/** Which schedules a read returns (see `selectSchedules`). */
export interface ScheduleFilter {
  key?: string;
  dueAtMs?: number;
  limit?: number;
  /** Lock the rows until the transaction ends. */
  lock?: boolean;
}

/** A stored schedule, as read back (times as Dates, JSON parsed). */
export interface StoredSchedule {
  key: string;
  cron: string;
  name: string;
  input: unknown;
  options: Record<string, unknown> | null;
  timeZone: string | null;
  missed: string;
  nextRunAt: Date;
  lastRunAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
