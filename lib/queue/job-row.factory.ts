import { Inject, Injectable } from '@nestjs/common';
import { JOBS_MODULE_OPTIONS } from '../jobs.constants.js';
import { JobRegistry } from '../discovery/job.registry.js';
import type { EnqueueManyItem, EnqueueOptions, JobRunOptions } from '../interfaces/job-options.js';
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

  /**
   * One row. Synchronous unless the job has an input DTO to validate (class-validator is async):
   * a batch of 10,000 no-DTO jobs then makes no promise per job.
   */
  build(ord: number, name: string, input: unknown, opts: RowOptions = {}): NewJobRow | Promise<NewJobRow> {
    assertJobName(name, 'enqueue');
    const job = this.registry.get(name);
    assertRunOptions(opts);
    assertUnique(opts);
    if (job.options.input && !opts.inputFromDependencies)
      return validateInput(name, job.options.input, input).then(() => this.row(ord, name, input, opts, job.options));
    return this.row(ord, name, input, opts, job.options);
  }

  /**
   * The rows of `items[from..to)` (positions in the whole batch as `ord`), in order: an array, or
   * a promise of one when an item has a DTO to validate. Throws (or rejects) with the error of the
   * first item to fail, as `Promise.all` over `build` would: an item failing its checks at once
   * wins over an earlier item whose DTO check is still running.
   */
  buildMany(
    items: readonly EnqueueManyItem<string>[],
    from = 0,
    to = items.length,
  ): NewJobRow[] | Promise<NewJobRow[]> {
    const out: (NewJobRow | Promise<NewJobRow>)[] = [];
    let pending = false;
    try {
      for (let i = from; i < to; i++) {
        const { name, input, ...opts } = items[i]!;
        const row = this.build(i, name, input, opts);
        pending ||= row instanceof Promise;
        out.push(row);
      }
    } catch (e) {
      // Validations already started would reject unheard.
      for (const row of out) if (row instanceof Promise) row.catch(() => undefined);
      throw e;
    }
    return pending ? Promise.all(out) : (out as NewJobRow[]);
  }

  /** The row once its options are checked and its input validated. Options resolve as the call's > `@Job()`'s. */
  private row(ord: number, name: string, input: unknown, opts: RowOptions, job: JobRunOptions): NewJobRow {
    const { unique } = opts;
    const given = opts.backoff ?? job.backoff;
    // Stored only when the job or the call sets one (resolved against the defaults); null means the
    // module's defaultBackoff, which the consumer applies. A third of a no-op job's row otherwise.
    const backoff = given ? JSON.stringify(withDefaultBackoff(this.options.defaultBackoff, given)) : null;
    return {
      ord,
      name,
      queue: opts.queue ?? job.queue ?? 'default',
      state: (opts.blockingDeps ?? 0) > 0 ? 'blocked' : 'pending',
      priority: opts.priority ?? job.priority ?? 0,
      input: toJson(input, `Input of job '${name}'`, this.options.maxPayloadBytes),
      max_attempts: opts.maxAttempts ?? job.maxAttempts ?? this.options.defaultMaxAttempts,
      backoff,
      timeout_ms: opts.timeoutMs ?? job.timeoutMs ?? null,
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
