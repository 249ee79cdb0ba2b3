import { Injectable } from '@nestjs/common';
import { InvalidScheduleError } from '../errors/invalid-schedule.error.js';
import { JobRegistry } from '../discovery/job.registry.js';
import { JobEventsBus } from '../events/job-events.bus.js';
import { countEnqueued } from '../telemetry/metrics.js';
import { guard } from '../persistence/db-guard.util.js';
import { JobStore } from '../persistence/job.store.js';
import type { StoredSchedule } from '../persistence/schedule-row.js';
import type { NewJobRow } from '../persistence/store.types.js';
import { JobRowFactory } from '../queue/job-row.factory.js';
import { assertKnownFields } from '../validation/options.validator.js';
import { occurrencesOf, type NextOccurrence } from './cron.loader.js';
import { assertMissedPolicy, DEFAULT_MISSED_POLICY, formatMissedPolicy, parseMissedPolicy } from './missed-policy.js';
import { ScheduleRunner } from './schedule.runner.js';
import { assertScheduleKey, assertTimeZone } from './schedule-key.validator.js';
import type { ScheduledJobOptions, ScheduleOptions, ScheduleRecord } from './schedule.types.js';

const JOB_FIELDS = ['queue', 'priority', 'maxAttempts', 'timeoutMs'] as const;
const FIELDS = ['timeZone', 'missed', ...JOB_FIELDS];
const WHY = '`JobQueue.schedule()` computes occurrences with the `cron` package';

/** Run-time schedules: `JobQueue.schedule()`, `unschedule()`, `schedules()`, and each consumer's `ScheduleRunner`. */
@Injectable()
export class Schedules {
  /** Parsed expressions, by cron and zone (a consumer reads the same few at every occurrence). */
  private readonly parsed = new Map<string, Promise<NextOccurrence>>();

  constructor(
    private readonly store: JobStore,
    private readonly rows: JobRowFactory,
    private readonly registry: JobRegistry,
    private readonly events: JobEventsBus,
  ) {}

  async schedule(
    key: string,
    cron: string,
    name: string,
    input: unknown,
    options: ScheduleOptions = {},
  ): Promise<ScheduleRecord> {
    assertScheduleKey(key);
    if (options === null || typeof options !== 'object')
      throw new InvalidScheduleError(`schedule('${key}') takes an options object; got ${typeof options}.`);
    assertKnownFields(options, FIELDS, `schedule('${key}')`);
    const missed = assertMissedPolicy(options.missed ?? DEFAULT_MISSED_POLICY);
    const timeZone = assertTimeZone(options.timeZone);
    const next = await this.occurrences(key, cron, timeZone);
    const jobOptions = Object.fromEntries(
      JOB_FIELDS.filter((f) => options[f] !== undefined).map((f) => [f, options[f]]),
    );
    // Checks the name, the options and the input (DTO, JSON, size) as an enqueue would, writing nothing.
    const row = await this.rows.build(0, name, input, jobOptions);
    const saved = await guard(() =>
      this.store.schedules.save({
        key,
        cron,
        name,
        input: row.input,
        options: Object.keys(jobOptions).length ? JSON.stringify(jobOptions) : null,
        time_zone: timeZone ?? null,
        missed: formatMissedPolicy(missed),
        next_run_ms: next(new Date()).getTime(),
      }),
    );
    return toRecord(saved);
  }

  /** Whether there was a schedule with that key (no further occurrence is enqueued; jobs already enqueued stay). */
  unschedule(key: string): Promise<boolean> {
    assertScheduleKey(key);
    return guard(() => this.store.schedules.remove(key));
  }

  async list(): Promise<ScheduleRecord[]> {
    return (await guard(() => this.store.schedules.list())).map(toRecord);
  }

  /** A consumer's runner: looks for changes every `refreshMs`. */
  runner(refreshMs: number, warn: (message: string) => void): ScheduleRunner {
    return new ScheduleRunner({
      store: this.store.schedules,
      next: (s) => this.occurrences(s.key, s.cron, s.timeZone ?? undefined),
      build: (s, runs) => this.build(s, runs, warn),
      // Only the process whose advance wrote the occurrence: the others wrote nothing.
      enqueued: (jobs) => {
        this.events.enqueued(jobs);
        countEnqueued(jobs);
      },
      refreshMs,
      warn,
    });
  }

  /** One job per occurrence, keyed by schedule and time; undefined when this application has no handler for it. */
  private async build(s: StoredSchedule, runs: Date[], warn: (m: string) => void): Promise<NewJobRow[] | undefined> {
    if (!this.registry.has(s.name)) return undefined;
    try {
      return await Promise.all(
        runs.map(async (at, i) =>
          this.rows.build(i, s.name, s.input, {
            ...(s.options as ScheduledJobOptions | null),
            runAfter: at,
            uniqueKey: `schedule:${s.key}:${at.toISOString()}`,
          }),
        ),
      );
    } catch (err) {
      // The input no longer passes the job's DTO (its class changed since): the occurrence is skipped, loudly.
      warn(`schedule '${s.key}': occurrence not enqueued: ${(err as Error).message}`);
      return [];
    }
  }

  private occurrences(key: string, cron: string, timeZone: string | undefined): Promise<NextOccurrence> {
    if (typeof cron !== 'string' || cron.trim() === '')
      return Promise.reject(
        new InvalidScheduleError(`schedule('${key}'): the cron expression must be a non-empty string.`),
      );
    const id = `${cron}\u0000${timeZone ?? ''}`;
    let parsed = this.parsed.get(id);
    if (!parsed) {
      parsed = occurrencesOf(cron, timeZone, WHY).then((next) => {
        next(new Date()); // an expression that never matches (February 30th) throws here
        return next;
      });
      this.parsed.set(id, parsed);
      parsed.catch(() => this.parsed.delete(id));
    }
    return parsed.catch((cause: Error) => {
      if (cause instanceof InvalidScheduleError || cause.name === 'JobsConfigurationError') throw cause;
      throw new InvalidScheduleError(
        `schedule('${key}'): cron '${cron}' is invalid (${cause.message}). Use five fields (minute hour day month weekday) or six (seconds first), e.g. '0 3 * * *', or a CronExpression from @nestjs/schedule.`,
        { cause },
      );
    });
  }
}

function toRecord(s: StoredSchedule): ScheduleRecord {
  return {
    key: s.key,
    cron: s.cron,
    name: s.name,
    input: s.input,
    timeZone: s.timeZone ?? 'UTC',
    missed: parseMissedPolicy(s.missed),
    options: (s.options ?? {}) as ScheduledJobOptions,
    nextRunAt: s.nextRunAt,
    lastRunAt: s.lastRunAt,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}
