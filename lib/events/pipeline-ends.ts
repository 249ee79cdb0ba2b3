import type { JobStore } from '../persistence/job.store.js';
import { PipelineState } from '../interfaces/job-state.js';
import { derivePipelineState } from '../pipeline/dependency.policy.js';
import { JobEvents, type JobEventPayloads } from './job-events.js';

/** Pipelines told about lately, so that one ended by two finishes at once is told once. */
const REMEMBERED = 1_000;

/**
 * Tells when pipelines end. Checked after a finish of one of their steps was written (not in the
 * finish transaction, which would have to lock the pipeline row against the other consumers'
 * finishes): two consumers finishing a pipeline's last steps at the same moment may then both see
 * it ended, so a pipeline this process already told about is not told again.
 */
export class PipelineEnds {
  private readonly told = new Set<string>();

  constructor(
    private readonly store: JobStore,
    private readonly emit: <N extends 'jobs.pipeline.completed' | 'jobs.pipeline.failed'>(
      name: N,
      payload: JobEventPayloads[N],
    ) => void,
  ) {}

  async check(pipelineIds: readonly string[], remote: boolean): Promise<void> {
    const candidates = pipelineIds.filter((id) => !this.told.has(id));
    if (candidates.length === 0) return;
    for (const id of await this.store.monitor.endedPipelines(candidates)) {
      if (this.told.has(id)) continue;
      this.remember(id); // before the read: a check running meanwhile skips it
      const found = await this.store.getPipeline(id);
      if (!found) continue;
      const state = derivePipelineState(found.jobs, found.edges);
      const name = state === PipelineState.Completed ? JobEvents.PipelineCompleted : JobEvents.PipelineFailed;
      this.emit(name, { pipelineId: id, name: found.name, state, steps: found.jobs.length, remote });
    }
  }

  private remember(id: string): void {
    this.told.add(id);
    if (this.told.size > REMEMBERED) this.told.delete(this.told.values().next().value!);
  }
}
