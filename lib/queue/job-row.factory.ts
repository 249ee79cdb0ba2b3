import { Inject, Injectable } from '@nestjs/common';
import { JOBS_MODULE_OPTIONS } from '../jobs.constants.js';
import { JobRegistry } from '../discovery/job.registry.js';
import type { EnqueueOptions, JobRunOptions } from '../interfaces/job-options.js';
import type { ResolvedJobsModuleOptions } from '../interfaces/jobs-module-options.js';
import type { NewJobRow } from '../persistence/store.types.js';
import { validateInput } from '../validation/input.validator.js';
import { toJson } from '../validation/json.util.js';
import { assertJobName, assertRunOptions, assertUnique } from '../validation/options.validator.js';
import { withDefaultBackoff } from '../consumer/retry.policy.js';

export type RowOptions = Omit<EnqueueOptions, 'em'> & {
  pipelineId?: string | null;
  step?: string | null;
  parentId?: string | null;
  blockingDeps?: number;
  /** A pipeline step whose input its dependencies will produce: its DTO is checked before the run, not now. */
  inputFromDependencies?: boolean;
};

/**
 * Turns (name, input, options) into a row ready to insert, or throws before anything is written:
 * unknown name, bad options, DTO validation, non-JSON input, oversized payload. Options resolve as
 * enqueue call > `@Job()` > module defaults.
 */
@Injectable()
export class JobRowFactory {
  constructor(
    private readonly registry: JobRegistry,
    @Inject(JOBS_MODULE_OPTIONS) private readonly options: ResolvedJobsModuleOptions,
  ) {}

  async build(ord: number, name: string, input: unknown, opts: RowOptions = {}): Promise<NewJobRow> {
    assertJobName(name, 'enqueue');
    const job = this.registry.get(name);
    assertRunOptions(opts);
    assertUnique(opts);
    const { unique } = opts;
    const merged: JobRunOptions = { ...job.options, ...definedOnly(opts) };
    if (job.options.input && !opts.inputFromDependencies) await validateInput(name, job.options.input, input);
    // Stored only when the job or the call sets one (resolved against the defaults); null means the
    // module's defaultBackoff, which the consumer applies. A third of a no-op job's row otherwise.
    const backoff = merged.backoff
      ? JSON.stringify(withDefaultBackoff(this.options.defaultBackoff, merged.backoff))
      : null;
    return {
      ord,
      name,
      queue: merged.queue ?? 'default',
      state: (opts.blockingDeps ?? 0) > 0 ? 'blocked' : 'pending',
      priority: merged.priority ?? 0,
      input: toJson(input, `Input of job '${name}'`, this.options.maxPayloadBytes),
      max_attempts: merged.maxAttempts ?? this.options.defaultMaxAttempts,
      backoff,
      timeout_ms: merged.timeoutMs ?? null,
      run_after: opts.runAfter ?? null,
      pipeline_id: opts.pipelineId ?? null,
      step: opts.step ?? null,
      parent_id: opts.parentId ?? null,
      blocking_deps: opts.blockingDeps ?? 0,
      unique_key: unique?.key ?? opts.uniqueKey ?? null,
      ...(unique && (unique.forMs || unique.replace || unique.debounceMs !== undefined)
        ? {
            dedup: {
              forMs: unique.forMs,
              replace: unique.replace === true || unique.debounceMs !== undefined,
              debounceMs: unique.debounceMs,
            },
          }
        : {}),
      concurrency_key: opts.concurrencyKey ?? null,
      trace_context: null,
    };
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
