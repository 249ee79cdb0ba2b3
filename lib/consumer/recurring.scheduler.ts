import type { CronJob } from 'cron';
import { JobsConfigurationError } from '../errors/configuration.error.js';
import { loadCronLib, occurrencesOf } from '../schedule/cron.loader.js';

export interface RecurringJob {
  name: string;
  cron: string;
  timeZone?: string;
  input?: unknown;
}

type Enqueue = (name: string, input: unknown, runAfter: Date, uniqueKey: string) => Promise<unknown>;

/** What recurring jobs use of @nestjs/schedule's `SchedulerRegistry` (present when the app imports `ScheduleModule`). */
export interface CronRegistry {
  addCronJob(name: string, job: CronJob): void;
  getCronJobs(): Map<string, CronJob>;
  deleteCronJob(name: string): void;
}

const WHY = 'A @Job() has a `cron` option';

/** The name a recurring job's timer has in `SchedulerRegistry`: `jobs:<job name>`. */
export function recurringTimerName(jobName: string): string {
  return `jobs:${jobName}`;
}

/** Throws `JobsConfigurationError` at boot for a cron expression or time zone that does not parse. */
export async function assertCron(job: RecurringJob, source: string): Promise<void> {
  try {
    (await occurrencesOf(job.cron, job.timeZone, WHY))(new Date());
  } catch (cause) {
    if (cause instanceof JobsConfigurationError) throw cause; // `cron` is not installed
    throw new JobsConfigurationError(
      `@Job('${job.name}') on ${source}: cron '${job.cron}' is invalid (${(cause as Error).message}). Use five or six fields, e.g. '0 3 * * *', or CronExpression from @nestjs/schedule.`,
      { cause },
    );
  }
}

interface Timer {
  job: RecurringJob;
  cron: CronJob;
  /** Consumers of this application that handle the job. */
  users: number;
  /** The occurrence enqueued last: the next one is after it. */
  last?: Date;
  retry?: NodeJS.Timeout;
}

/**
 * Recurring jobs (`@Job({ cron })`): while a consumer of this application handles the job, its next
 * occurrence is kept enqueued (pending, `runAfter` = that time, `uniqueKey` = name + time), and a
 * `CronJob` (the `cron` package's, as @nestjs/schedule uses) enqueues the one after when that time
 * comes. The unique key makes the many processes agree: each occurrence exists once. When the app
 * imports `ScheduleModule`, the timer is in its `SchedulerRegistry` as `jobs:<name>`: stopping it
 * there stops this process enqueueing further occurrences (the one already enqueued still runs).
 */
export class RecurringScheduler {
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly enqueue: Enqueue,
    private readonly registry: () => Promise<CronRegistry | undefined>,
    private readonly onError: (message: string) => void,
  ) {}

  /** Starts (or shares) the timers of `jobs`; returns what gives them back when the consumer stops. */
  async acquire(jobs: RecurringJob[]): Promise<() => Promise<void>> {
    const { CronJob } = await loadCronLib(WHY);
    const started: Promise<void>[] = [];
    for (const job of jobs) {
      const shared = this.timers.get(job.name);
      if (shared) {
        shared.users += 1;
        continue;
      }
      // In the map before any await: a consumer starting at the same time shares this timer.
      const timer: Timer = { job, users: 1 } as Timer;
      timer.cron = CronJob.from({
        cronTime: job.cron,
        timeZone: job.timeZone,
        onTick: () => this.enqueueNext(timer),
        start: false,
      });
      this.timers.set(job.name, timer);
      started.push(this.start(timer));
    }
    await Promise.all(started);
    const names = jobs.map((j) => j.name);
    return () => this.release(names);
  }

  private async start(timer: Timer): Promise<void> {
    const { job } = timer;
    await this.enqueueNext(timer);
    timer.cron.start();
    const registry = await this.registry();
    const name = recurringTimerName(job.name);
    if (registry && !registry.getCronJobs().has(name)) registry.addCronJob(name, timer.cron);
  }

  private async release(names: string[]): Promise<void> {
    const registry = await this.registry();
    for (const n of names) {
      const timer = this.timers.get(n);
      if (!timer || --timer.users > 0) continue;
      this.timers.delete(n);
      timer.cron.stop();
      clearTimeout(timer.retry);
      const name = recurringTimerName(n);
      if (registry?.getCronJobs().get(name) === timer.cron) registry.deleteCronJob(name);
    }
  }

  /** Enqueues the occurrence after now (and after the last one enqueued); on failure, tries again in 5 s. */
  private async enqueueNext(timer: Timer): Promise<void> {
    const { job, cron } = timer;
    const from = new Date(Math.max(Date.now(), timer.last?.getTime() ?? 0));
    const at = cron.cronTime.getNextDateFrom(from, job.timeZone).toJSDate();
    try {
      await this.enqueue(job.name, job.input ?? null, at, `cron:${job.name}:${at.toISOString()}`);
      timer.last = at;
    } catch (err) {
      this.onError(`could not schedule the next '${job.name}' (${(err as Error).message}); retrying in 5 s`);
      clearTimeout(timer.retry);
      timer.retry = setTimeout(() => {
        // Stopped meanwhile (its consumers ended, or the app stopped it in SchedulerRegistry): nothing to retry.
        if (this.timers.get(job.name) === timer && cron.isActive) void this.enqueueNext(timer);
      }, 5_000);
    }
  }
}
