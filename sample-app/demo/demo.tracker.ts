import { TERMINAL_JOB_STATES, type JobQueue, type JobRecord, type PipelineRecord } from '../../lib/index.js';
import type { DemoPlan } from './demo.workload.js';

/** Follows the demo's jobs and pipelines through the public API (`get`, `getPipeline`). */
export class DemoTracker {
  readonly jobs = new Map<string, JobRecord>();
  readonly pipelines = new Map<string, PipelineRecord>();

  constructor(
    private readonly queue: JobQueue,
    private readonly plan: DemoPlan,
  ) {}

  /** Re-reads every job and pipeline that had not finished at the last look. */
  async refresh(): Promise<void> {
    const open = [...this.plan.jobs.values()].flat().filter((id) => !isFinished(this.jobs.get(id)));
    for (let i = 0; i < open.length; i += 50) {
      for (const job of await Promise.all(open.slice(i, i + 50).map((id) => this.queue.get(id))))
        this.jobs.set(job.id, job);
    }
    for (const id of this.plan.pipelineIds) {
      const known = this.pipelines.get(id);
      if (known && known.progress.done === known.progress.total) continue;
      const p = await this.queue.getPipeline(id);
      this.pipelines.set(id, p);
      for (const step of Object.values(p.steps)) this.jobs.set(step.id, step);
    }
  }

  /** Every job seen so far (pipeline steps included), optionally of one name. */
  all(name?: string): JobRecord[] {
    return [...this.jobs.values()].filter((j) => name === undefined || j.name === name);
  }

  finished(): number {
    return this.all().filter(isFinished).length;
  }

  /**
   * Jobs not finished, leaving out the plain jobs of the names given. Steps a pipeline has not
   * spawned yet count as unfinished (the plan knows how many there will be).
   */
  unfinished(except: string[] = []): number {
    const expected =
      this.plan.expectedTotal - except.reduce((n, name) => n + (this.plan.jobs.get(name)?.length ?? 0), 0);
    return expected - this.all().filter((j) => isFinished(j) && !except.includes(j.name)).length;
  }

  countBy(state: string): number {
    return this.all().filter((j) => j.state === state).length;
  }
}

export function isFinished(job: JobRecord | undefined): boolean {
  return job !== undefined && TERMINAL_JOB_STATES.includes(job.state);
}
