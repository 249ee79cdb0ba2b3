import { JobsConfigurationError } from '../errors/configuration.error.js';

export interface RecurringJob {
  name: string;
  cron: string;
  timeZone?: string;
  input?: unknown;
}

type Enqueue = (name: string, input: unknown, runAfter: Date, uniqueKey: string) => Promise<unknown>;
type NextFn = (job: RecurringJob) => Date;

let cronLib: Promise<typeof import('cron')> | undefined;

/** Loads `cron` (shipped with @nestjs/schedule) and returns a "next occurrence after now" function. */
export async function loadCron(): Promise<NextFn> {
  cronLib ??= import('cron').catch((cause) => {
    cronLib = undefined;
    throw new JobsConfigurationError(
      'A @Job() has a `cron` option, which needs @nestjs/schedule (or cron): npm install @nestjs/schedule',
      { cause },
    );
  });
  const { CronTime } = await cronLib;
  return (job) => new CronTime(job.cron, job.timeZone).sendAt().toJSDate();
}

/** Throws `JobsConfigurationError` at boot for a cron expression or time zone that does not parse. */
export async function assertCron(job: RecurringJob, source: string): Promise<void> {
  const next = await loadCron();
  try {
    next(job);
  } catch (cause) {
    throw new JobsConfigurationError(
      `@Job('${job.name}') on ${source}: cron '${job.cron}' is invalid (${(cause as Error).message}). Use five or six fields, e.g. '0 3 * * *', or CronExpression from @nestjs/schedule.`,
      { cause },
    );
  }
}

/**
 * Recurring jobs: every consumer that can run a job with a `cron` option makes sure its next
 * occurrence is enqueued (pending, `runAfter` = that time, `uniqueKey` = name + time), and
 * enqueues the one after when that time comes. The unique key makes the many consumers agree:
 * each occurrence exists once, and a consumer being down changes nothing while another is up.
 */
export class RecurringScheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly jobs: RecurringJob[],
    private readonly enqueue: Enqueue,
    private readonly next: NextFn,
    private readonly onError: (message: string) => void,
  ) {}

  async start(): Promise<void> {
    await Promise.all(this.jobs.map((job) => this.scheduleNext(job)));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async scheduleNext(job: RecurringJob): Promise<void> {
    if (this.stopped) return;
    const at = this.next(job);
    try {
      await this.enqueue(job.name, job.input ?? null, at, `cron:${job.name}:${at.toISOString()}`);
    } catch (err) {
      this.onError(`could not schedule the next '${job.name}' (${(err as Error).message}); retrying in 5 s`);
      this.later(() => this.scheduleNext(job), 5_000);
      return;
    }
    // Wake just after that occurrence to enqueue the following one (timers cap at ~24.8 days).
    this.later(() => this.scheduleNext(job), Math.min(at.getTime() - Date.now() + 50, 2 ** 31 - 1));
  }

  private later(fn: () => Promise<void>, ms: number): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(timer);
  }
}
