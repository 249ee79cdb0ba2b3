import { Injectable } from '@nestjs/common';
import { JobState } from '../interfaces/job-state.js';
import type {
  JobListFilter,
  JobPage,
  PipelineGraph,
  QueueOverview,
  ThroughputBucket,
} from '../interfaces/jobs-inspector.types.js';
import { guard } from '../persistence/db-guard.util.js';
import { JobStore } from '../persistence/job.store.js';
import { assertInt } from '../validation/options.validator.js';
import { assertId } from './job-id.util.js';
import { JobQueue } from './job-queue.service.js';
import { toPageFilter } from './job-list-filter.validator.js';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * The queue as an operator sees it: pages of jobs, queues at a glance, outcomes per minute,
 * pipelines as graphs. Reads only (act with `JobQueue`). The admin API and the command line are
 * built on it; inject it for a console of your own. One job whole: `JobQueue.get(id)`.
 */
@Injectable()
export class JobsInspector {
  constructor(
    private readonly store: JobStore,
    private readonly queue: JobQueue,
  ) {}

  /**
   * Jobs newest first (by id), filtered, one page at a time: pass the page's `next` as `after` for
   * the following one. Keyset paging: a page costs the same however deep, and jobs enqueued between
   * two calls never shift or repeat rows of later pages. Throws `InvalidJobOptionsError` naming the
   * option for a bad filter.
   */
  async listJobs(filter: JobListFilter = {}): Promise<JobPage> {
    const { pageSize, ...page } = toPageFilter(filter);
    const rows = await guard(() => this.store.browse.jobPage(page));
    const jobs = rows.slice(0, pageSize);
    return { jobs, next: rows.length > pageSize ? jobs[jobs.length - 1]!.id : null };
  }

  /** Every queue that has jobs or a pause, by name: unfinished jobs by state, failed jobs, and the last hour's outcomes. */
  async queueOverview(): Promise<QueueOverview[]> {
    const browse = this.store.browse;
    const [depths, failed, finished] = await guard(async () => [
      await this.queue.queueDepths(),
      await browse.failedPerQueue(),
      await browse.finishedPerQueue(HOUR_MS),
    ]);
    const byQueue = new Map<string, QueueOverview>();
    const of = (queue: string): QueueOverview => {
      let o = byQueue.get(queue);
      if (!o) {
        o = {
          queue,
          due: 0,
          scheduled: 0,
          running: 0,
          blocked: 0,
          failed: 0,
          paused: false,
          completedLastHour: 0,
          failedLastHour: 0,
        };
        byQueue.set(queue, o);
      }
      return o;
    };
    for (const [queue, d] of Object.entries(depths)) {
      Object.assign(of(queue), {
        due: d.due,
        scheduled: d.scheduled,
        running: d.running,
        blocked: d.blocked,
        paused: d.paused === true,
      });
    }
    for (const [queue, n] of failed) of(queue).failed = n;
    for (const r of finished)
      of(r.queue)[r.state === JobState.Completed ? 'completedLastHour' : 'failedLastHour'] = r.n;
    return [...byQueue.values()].sort((a, b) => a.queue.localeCompare(b.queue));
  }

  /**
   * Jobs completed and failed per minute over the last `minutes` (1 to 1440), oldest first, every
   * minute listed (zeros included), the last one the database clock's current minute.
   */
  async throughput(minutes = 60): Promise<ThroughputBucket[]> {
    assertInt(minutes, 'minutes', { min: 1, max: 1440 });
    const { now, rows } = await guard(() => this.store.browse.finishedPerMinute(minutes * MINUTE_MS));
    const first = now - minutes + 1;
    const buckets = Array.from({ length: minutes }, (_, i) => ({
      minute: new Date((first + i) * MINUTE_MS).toISOString(),
      completed: 0,
      failed: 0,
    }));
    for (const r of rows) {
      const bucket = buckets[r.minute - first];
      if (bucket && (r.state === JobState.Completed || r.state === JobState.Failed)) bucket[r.state] += r.n;
    }
    return buckets;
  }

  /** A pipeline (`JobQueue.getPipeline`), its steps as nodes (by id) and its edges (dependency -> dependant). `JobNotFoundError` for an unknown id. */
  async pipelineGraph(id: string | number): Promise<PipelineGraph> {
    assertId(id, 'pipeline');
    const pipeline = await this.queue.getPipeline(id);
    const { nodes, edges } = await guard(() => this.store.browse.pipelineGraph(String(id)));
    return { pipeline, nodes, edges };
  }
}
