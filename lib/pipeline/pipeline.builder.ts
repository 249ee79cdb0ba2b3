import { InvalidPipelineError } from '../errors/invalid-pipeline.error.js';
import type { JobName } from '../interfaces/job-types.js';
import type {
  InputNeeded,
  PipelineDefinition,
  PolicyMap,
  StepMap,
  StepOptions,
  StepOptionsWithPolicies,
} from './pipeline.types.js';

/**
 * Builds a typed pipeline definition step by step:
 * ```ts
 * const def = pipeline('report')
 *   .step('fetch', 'report.fetch', { input: { day } })
 *   .step('render', 'report.render', { after: 'fetch' }) // gets fetch's output as input
 *   .build();
 * ```
 */
export class PipelineBuilder<S extends StepMap = {}> {
  private readonly def: PipelineDefinition;

  constructor(name?: string, workspace?: Record<string, unknown>) {
    this.def = { name, workspace, steps: {} };
  }

  /** A step with no options: for jobs whose input may be left out (no dependencies). */
  step<K extends string, N extends JobName>(
    key: K,
    // A job whose declared input is not nullable gets a compile error that says what to do.
    job: N & (InputNeeded<N> extends true ? { readonly 'this job takes an input: pass { input }': N } : unknown),
  ): PipelineBuilder<S & Record<K, N>>;
  /**
   * A step waiting for the steps in `after` (a key or a list of keys; policy `fail`). Without an
   * `input` it receives their output (one) or outputs keyed by step (several), checked against `job`.
   */
  step<K extends string, N extends JobName, A extends keyof S & string = never>(
    key: K,
    job: N,
    options: StepOptions<S, N, A>,
  ): PipelineBuilder<S & Record<K, N>>;
  /** A step waiting for steps with a failure policy each: `after: { fetch: DependencyPolicy.Run }`. */
  step<K extends string, N extends JobName, O extends PolicyMap<S>>(
    key: K,
    job: N,
    options: StepOptionsWithPolicies<S, N, O>,
  ): PipelineBuilder<S & Record<K, N>>;
  step(key: string, job: string, options?: object): PipelineBuilder<any> {
    if (Object.hasOwn(this.def.steps, key)) {
      throw new InvalidPipelineError(
        `Step '${key}' is declared twice in pipeline${this.def.name ? ` '${this.def.name}'` : ''}; step keys must be unique.`,
      );
    }
    this.def.steps[key] = { job, ...(options ?? {}) } as PipelineDefinition['steps'][string];
    return this;
  }

  /** Sets the shared workspace every step can read and update. */
  workspace(workspace: Record<string, unknown>): this {
    this.def.workspace = workspace;
    return this;
  }

  build(): PipelineDefinition {
    return { ...this.def, steps: { ...this.def.steps } };
  }
}

export function pipeline(name?: string): PipelineBuilder {
  return new PipelineBuilder(name);
}

/** A chain: each step gets the previous step's output. Keys are `0`, `1`, ... unless given. */
export function chain(steps: { job: string; input?: unknown; key?: string }[], name?: string): PipelineDefinition {
  const def: PipelineDefinition = { name, steps: {} };
  let previous: string | undefined;
  steps.forEach((s, i) => {
    const key = s.key ?? String(i);
    if (Object.hasOwn(def.steps, key))
      throw new InvalidPipelineError(`chain(): step key '${key}' is used twice; step keys must be unique.`);
    def.steps[key] = { job: s.job, input: s.input, after: previous };
    if (s.input === undefined) delete def.steps[key]!.input;
    if (previous === undefined) delete def.steps[key]!.after;
    previous = key;
  });
  return def;
}
