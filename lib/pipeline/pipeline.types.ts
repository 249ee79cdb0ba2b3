import type { DependencyPolicy } from '../interfaces/job-state.js';
import type { JobRunOptions } from '../interfaces/job-options.js';
import type { JobInput, JobName, JobOutput } from '../interfaces/job-types.js';

/** Step key -> job name, as the builder learns it. */
export type StepMap = Record<string, string>;

/** Which steps a step waits for: a key, a list of keys, or keys with their failure policy. */
export type After<A extends string> = A | readonly A[] | { readonly [K in A]?: DependencyPolicy };

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/** The input a step receives from its dependencies: the one output, or outputs keyed by step. */
export type InputFrom<S extends StepMap, A extends keyof S & string> = true extends IsUnion<A>
  ? { [K in A]: JobOutput<S[K]> }
  : JobOutput<S[A]>;

/** One step as stored in a definition. */
export interface PipelineStep extends JobRunOptions {
  job: string;
  /** Explicit input; without it a step with dependencies receives their outputs. */
  input?: unknown;
  after?: After<string>;
  runAfter?: Date;
}

/** A pipeline definition: a name, an initial workspace, and steps by key. */
export interface PipelineDefinition {
  name?: string;
  workspace?: Record<string, unknown>;
  steps: Record<string, PipelineStep>;
}

/**
 * Options of `builder.step(key, job, options)`. When the step has dependencies and no explicit
 * `input`, TypeScript checks that what they produce is what this job takes.
 */
export type StepOptions<S extends StepMap, N extends string, A extends keyof S & string> = JobRunOptions & {
  after?: After<A>;
  runAfter?: Date;
} & ([A] extends [never]
    ? { input?: JobInput<N> }
    : [InputFrom<S, A>] extends [JobInput<N>]
      ? { input?: JobInput<N> }
      : { input: JobInput<N> });

export type { JobName };
