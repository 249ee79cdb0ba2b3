import { InvalidPipelineError } from '../errors/invalid-pipeline.error.js';
import { JobsError } from '../errors/jobs.error.js';
import { DependencyPolicy } from '../interfaces/job-state.js';
import { MAX_JOB_NAME_LENGTH } from '../jobs.constants.js';
import type { PipelineDefinition, PipelineStep } from './pipeline.types.js';

export interface PlannedStep {
  key: string;
  step: PipelineStep;
  deps: { key: string; policy: DependencyPolicy }[];
}

const POLICIES = new Set<string>(Object.values(DependencyPolicy));

/** What a step may say: the job, its input and dependencies, and the options `enqueue` takes that fit a step. */
const STEP_FIELDS = new Set([
  'job',
  'input',
  'after',
  'queue',
  'priority',
  'maxAttempts',
  'backoff',
  'timeoutMs',
  'runAfter',
]);

/**
 * Checks a definition and orders its steps so each comes after its dependencies. Throws
 * `InvalidPipelineError` for an empty pipeline, a bad key, an unknown dependency, a bad policy, a
 * cycle, or (through `hasJob`) a job name with no handler.
 */
export function planPipeline(
  def: PipelineDefinition,
  hasJob: (name: string) => boolean,
  maxSteps: number,
): PlannedStep[] {
  if (!def || typeof def !== 'object' || !def.steps || typeof def.steps !== 'object') {
    throw new InvalidPipelineError(
      'A pipeline needs { steps: { key: { job, input?, after? } } } (or use pipeline().step(...).build()).',
    );
  }
  const keys = Object.keys(def.steps);
  if (keys.length === 0) throw new InvalidPipelineError('A pipeline needs at least one step.');
  if (keys.length > maxSteps)
    throw new InvalidPipelineError(
      `A pipeline has ${keys.length} steps; the limit is ${maxSteps} (option maxBatchSize).`,
    );
  const planned = new Map<string, PlannedStep>();
  for (const key of keys) {
    const step = def.steps[key]!;
    if (key.length === 0 || key.length > MAX_JOB_NAME_LENGTH)
      throw new InvalidPipelineError(`Step key '${key}' must be 1 to ${MAX_JOB_NAME_LENGTH} characters.`);
    if (!step || typeof step.job !== 'string')
      throw new InvalidPipelineError(`Step '${key}' needs a 'job' naming a @Job() handler.`);
    // A typo (\`prority\`) or an option that makes no sense for a step (\`uniqueKey\`, \`em\`) is refused, not ignored.
    const unknown = Object.keys(step).filter((f) => !STEP_FIELDS.has(f));
    if (unknown.length)
      throw new InvalidPipelineError(
        `Step '${key}' has unknown field(s) ${unknown.join(', ')}; a step takes ${[...STEP_FIELDS].join(', ')}.`,
      );
    if (!hasJob(step.job))
      throw new InvalidPipelineError(
        `Step '${key}' runs job '${step.job}', which has no @Job() handler in this application.`,
      );
    planned.set(key, { key, step, deps: parseAfter(key, step.after) });
  }
  for (const p of planned.values()) {
    for (const d of p.deps) {
      if (!planned.has(d.key))
        throw new InvalidPipelineError(
          `Step '${p.key}' depends on '${d.key}', which is not a step of this pipeline. Steps: ${keys.join(', ')}.`,
        );
      if (d.key === p.key) throw new InvalidPipelineError(`Step '${p.key}' depends on itself.`);
    }
  }
  return topologicalOrder(planned);
}

function parseAfter(key: string, after: PipelineStep['after']): PlannedStep['deps'] {
  if (after === undefined || after === null) return [];
  if (typeof after !== 'string' && typeof after !== 'object') {
    throw new InvalidPipelineError(
      `Step '${key}': 'after' must be a step key, an array of keys, or an object of keys to policies; got ${typeof after}.`,
    );
  }
  const entries: [string, string][] =
    typeof after === 'string'
      ? [[after, DependencyPolicy.Fail]]
      : Array.isArray(after)
        ? after.map((k) => [k, DependencyPolicy.Fail])
        : Object.entries(after as Record<string, string>).map(([k, v]) => [k, v ?? DependencyPolicy.Fail]);
  const seen = new Set<string>();
  return entries.map(([k, policy]) => {
    if (typeof k !== 'string') throw new InvalidPipelineError(`Step '${key}': 'after' must name steps by their keys.`);
    if (!POLICIES.has(policy))
      throw new InvalidPipelineError(
        `Step '${key}': policy '${policy}' for '${k}' must be one of ${[...POLICIES].join(', ')}.`,
      );
    if (seen.has(k)) throw new InvalidPipelineError(`Step '${key}' lists '${k}' twice in 'after'.`);
    seen.add(k);
    return { key: k, policy: policy as DependencyPolicy };
  });
}

/** Kahn's algorithm; what is left over sits on a cycle or waits for one (see `onCycles`). */
function topologicalOrder(planned: Map<string, PlannedStep>): PlannedStep[] {
  const indegree = new Map([...planned.keys()].map((k) => [k, planned.get(k)!.deps.length]));
  const dependants = new Map<string, string[]>();
  for (const p of planned.values())
    for (const d of p.deps) dependants.set(d.key, [...(dependants.get(d.key) ?? []), p.key]);
  const ready = [...planned.keys()].filter((k) => indegree.get(k) === 0);
  const order: PlannedStep[] = [];
  while (ready.length) {
    const key = ready.shift()!;
    order.push(planned.get(key)!);
    for (const next of dependants.get(key) ?? []) {
      indegree.set(next, indegree.get(next)! - 1);
      if (indegree.get(next) === 0) ready.push(next);
    }
  }
  if (order.length < planned.size) {
    const cycle = onCycles(
      planned,
      [...planned.keys()].filter((k) => indegree.get(k)! > 0),
    );
    throw new InvalidPipelineError(
      `The pipeline has a cycle through steps: ${cycle.join(', ')}. A step cannot wait for itself, even through other steps.`,
    );
  }
  return order;
}

/**
 * The steps of `left` (what Kahn's algorithm could not order) that lie on a cycle: steps that only
 * wait for a cycle, with no step of `left` waiting for them, are peeled off until none is left.
 */
function onCycles(planned: Map<string, PlannedStep>, left: string[]): string[] {
  const rest = new Set(left);
  const waitedFor = (k: string) => [...rest].some((o) => planned.get(o)!.deps.some((d) => d.key === k));
  for (let peeled = true; peeled;) {
    peeled = false;
    for (const k of rest) {
      if (!waitedFor(k)) {
        rest.delete(k);
        peeled = true;
      }
    }
  }
  return left.filter((k) => rest.has(k));
}

export function wrapStepError(key: string, err: unknown): never {
  if (err instanceof JobsError && !(err instanceof InvalidPipelineError)) {
    throw new InvalidPipelineError(`Step '${key}': ${err.message}`, { cause: err });
  }
  throw err;
}
