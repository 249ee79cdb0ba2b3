import type { DependencyPolicy } from '../interfaces/job-state.js';
import type { JobRunOptions } from '../interfaces/job-options.js';
import type { JobInput, JobName, JobOutput } from '../interfaces/job-types.js';

/** Step key -> job name, as the builder learns it. */
export type StepMap = Record<string, string>;

/** Which steps a step waits for: a key, a list of keys, or keys with their failure policy. */
export type After<A extends string> = A | readonly A[] | { readonly [K in A]?: DependencyPolicy };

/** `after` as a map of step keys to failure policies, as the builder infers it. */
export type PolicyMap<S extends StepMap> = { readonly [K in keyof S & string]?: DependencyPolicy };

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;

/**
 * What one dependency hands on: its output, or `null` when the policy is `run` (the dependant
 * also runs when that dependency failed or was cancelled, and then gets no output from it).
 */
type Handed<S extends StepMap, K extends keyof S, P> = JobOutput<S[K]> | ([P] extends ['run'] ? null : never);

/** The input a step receives from dependencies `A` (policies `P`): the one output, or outputs keyed by step. */
export type InputFrom<
  S extends StepMap,
  A extends keyof S & string,
  P extends Partial<Record<A, DependencyPolicy>> = {},
> = true extends IsUnion<A> ? { [K in A]: Handed<S, K, P[K]> } : Handed<S, A, P[A]>;

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

/** Whether a step of job `N` with no dependencies must be given an input: its declared input takes neither null nor undefined. */
export type InputNeeded<N extends string> =
  unknown extends JobInput<N> ? false : null extends JobInput<N> ? false : undefined extends JobInput<N> ? false : true;

/**
 * The `input` option of a step of job `N` with dependencies `A` (policies `P`): optional when the
 * dependencies produce what `N` takes (or `N` needs no input and there are none), required otherwise.
 */
type InputOption<
  S extends StepMap,
  N extends string,
  A extends keyof S & string,
  P extends Partial<Record<A, DependencyPolicy>>,
> = [A] extends [never]
  ? InputNeeded<N> extends true
    ? { input: JobInput<N> }
    : { input?: JobInput<N> }
  : [InputFrom<S, A, P>] extends [JobInput<N>]
    ? { input?: JobInput<N> }
    : { input: JobInput<N> };

/** Options of a step: `runAfter`, the options `enqueue` takes that fit a step, and `input`. */
type BaseStepOptions = JobRunOptions & { runAfter?: Date };

/**
 * Options of `builder.step(key, job, options)` with `after` as a key or a list of keys. When the step
 * has dependencies and no explicit `input`, TypeScript checks that what they produce is what this
 * job takes.
 */
export type StepOptions<S extends StepMap, N extends string, A extends keyof S & string> = BaseStepOptions & {
  after?: A | readonly A[];
} & InputOption<S, N, A, {}>;

/** Options of `builder.step(key, job, options)` with `after` as keys and their failure policies. */
export type StepOptionsWithPolicies<S extends StepMap, N extends string, O extends PolicyMap<S>> = BaseStepOptions & {
  after: O;
} & InputOption<S, N, keyof O & keyof S & string, O & Partial<Record<keyof O & keyof S & string, DependencyPolicy>>>;

export type { JobName };
