import type { JobRecord } from '../interfaces/job-record.js';
import type { ScheduleStore } from '../persistence/schedule.store.js';
import type { StoredSchedule } from '../persistence/schedule-row.js';
import type { NewJobRow } from '../persistence/store.types.js';
import type { NextOccurrence } from './cron.loader.js';
import { parseMissedPolicy, SCHEDULE_GRACE_MS } from './missed-policy.js';
import { planOccurrences } from './occurrence.planner.js';

/** What a `ScheduleRunner` works with; plain functions, so it runs without Nest. */
export interface ScheduleRunnerDeps {
  store: Pick<ScheduleStore, 'due' | 'advance'>;
  /** The jobs of a schedule's occurrences; undefined when this process cannot enqueue its job (no handler here). */
  build(schedule: StoredSchedule, runs: Date[]): Promise<NewJobRow[] | undefined>;
  next(schedule: StoredSchedule): Promise<NextOccurrence>;
  /** The occurrences' jobs this process wrote, once committed: counted and announced as enqueued. */
  enqueued(jobs: JobRecord[]): void;
  /** How often to look for schedules other processes made or changed (ms). */
  refreshMs: number;
  warn(message: string): void;
}

/** Schedules read per look. */
const BATCH = 200;

/**
 * One consumer's share of the run-time schedules: it wakes at the next occurrence of any schedule
 * (and every `refreshMs` for changes made elsewhere), plans each due schedule's occurrences and
 * advances it (see `ScheduleStore.advance`): whichever consumer advances a schedule first enqueues
 * its jobs; the others find a newer version and do nothing. A failure is logged and the loop goes on.
 */
export class ScheduleRunner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lastWarning?: string;

  constructor(private readonly deps: ScheduleRunnerDeps) {}

  start(): void {
    this.wake(0);
  }

  /** No more looks; waits for one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private wake(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.look().then((delay) => this.wake(delay));
    }, ms);
  }

  /** Fires what is due; returns how long to sleep until the next look. */
  private async look(): Promise<number> {
    const now = Date.now();
    let wakeAt = now + this.deps.refreshMs;
    try {
      const soon = await this.deps.store.due(now + this.deps.refreshMs, BATCH);
      for (const s of soon) {
        if (this.stopped) break;
        if (s.nextRunAt.getTime() > Date.now()) {
          wakeAt = Math.min(wakeAt, s.nextRunAt.getTime());
          break;
        }
        await this.fire(s);
      }
      if (soon.length === BATCH && soon.every((s) => s.nextRunAt.getTime() <= now)) wakeAt = now;
    } catch (err) {
      this.warnOnce(
        `could not read the schedules (${(err as Error).message}); trying again in ${this.deps.refreshMs} ms`,
      );
    }
    return Math.max(0, wakeAt - Date.now());
  }

  private async fire(s: StoredSchedule): Promise<void> {
    try {
      const plan = planOccurrences(
        await this.deps.next(s),
        s.nextRunAt,
        new Date(),
        parseMissedPolicy(s.missed),
        SCHEDULE_GRACE_MS,
      );
      const jobs = await this.deps.build(s, plan.runs);
      if (!jobs) return;
      const last = plan.runs.at(-1)?.getTime() ?? null;
      const written = await this.deps.store.advance(s, plan.next.getTime(), last, jobs);
      if (written?.length) this.deps.enqueued(written);
    } catch (err) {
      this.warnOnce(`schedule '${s.key}' (${s.name}): ${(err as Error).message}`);
    }
  }

  /** The same failure at every look (a table not migrated yet, say) is logged once. */
  private warnOnce(message: string): void {
    if (message !== this.lastWarning) this.deps.warn(message);
    this.lastWarning = message;
  }
}
