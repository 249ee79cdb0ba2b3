import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { InvalidPipelineError } from '../errors/invalid-pipeline.error.js';
import { UnknownJobError } from '../errors/unknown-job.error.js';
import type { JobRegistry } from '../discovery/job.registry.js';
import type { SpawnRequest } from '../interfaces/job-context.js';
import type { Json } from '../interfaces/job-types.js';
import type { ClaimedJob } from '../persistence/store.types.js';
import { toJson } from '../validation/json.util.js';
import { assertJobName, assertRunOptions } from '../validation/options.validator.js';
import { MAX_JOB_NAME_LENGTH } from '../jobs.constants.js';

/** What a spawned child may say (the fields of `SpawnRequest`). */
const SPAWN_FIELDS = new Set(['name', 'input', 'step', 'priority', 'queue', 'maxAttempts', 'timeoutMs']);

/** A child checked by `ctx.spawn()`: its step key decided, its input a JSON copy. */
export type CheckedSpawn = Omit<SpawnRequest, 'step' | 'input'> & { step: string; input: Json };

/**
 * Checks children given to `ctx.spawn()` when it is called, so a bad one fails the attempt like
 * any handler error (never the finish transaction, where it would roll back other jobs' results):
 * the job name and its handler, the options and no unknown field, the step key (length, unique
 * among `taken`), a JSON input within maxPayloadBytes, and at most maxBatchSize children per
 * attempt. The input is copied as it is now (later changes by the handler are not seen). A DTO
 * (`@Job({ input })`) is async, so it is checked when the handler returns (InvalidJobInputError).
 */
export function checkSpawn(
  registry: JobRegistry,
  limits: { maxPayloadBytes: number; maxBatchSize: number },
  job: ClaimedJob,
  children: SpawnRequest[],
  already: number,
  taken: Set<string>,
): CheckedSpawn[] {
  const where = `ctx.spawn() in job ${job.id} ('${job.name}')`;
  if (already + children.length > limits.maxBatchSize) {
    throw new InvalidPipelineError(
      `${where}: ${already + children.length} children in one attempt; the limit is ${limits.maxBatchSize} (option maxBatchSize). Spawn fewer, larger children, or spawn from the children.`,
    );
  }
  const keys = new Set<string>();
  const checked = children.map((child, k) => {
    const i = already + k;
    if (child === null || typeof child !== 'object' || Array.isArray(child)) {
      throw new InvalidJobOptionsError(
        `${where}: child ${i} must be an object like { name, input }; got ${child === null ? 'null' : Array.isArray(child) ? 'an array' : typeof child}.`,
      );
    }
    const unknown = Object.keys(child).filter((f) => !SPAWN_FIELDS.has(f));
    if (unknown.length) {
      throw new InvalidJobOptionsError(
        `${where}: child ${i} has unknown field(s) ${unknown.join(', ')}; a spawned child takes ${[...SPAWN_FIELDS].join(', ')}.`,
      );
    }
    assertJobName(child.name, `${where}, child ${i}`);
    try {
      registry.get(child.name);
    } catch (err) {
      throw new UnknownJobError(`${where}, child ${i}: ${(err as Error).message}`, { cause: err });
    }
    const { name, input, step, ...options } = child;
    try {
      assertRunOptions(options);
    } catch (err) {
      throw new InvalidJobOptionsError(`${where}, child ${i} ('${name}'): ${(err as Error).message}`, { cause: err });
    }
    if (step !== undefined && typeof step !== 'string') {
      throw new InvalidJobOptionsError(
        `${where}, child ${i} ('${name}'): option 'step' must be a string; got ${typeof step}.`,
      );
    }
    const key = step ?? `${job.step ?? job.name}[${i}]`;
    if (key.length === 0 || key.length > MAX_JOB_NAME_LENGTH) {
      throw new InvalidPipelineError(
        `${where}, child ${i} ('${name}'): step key '${key.length > 60 ? `${key.slice(0, 60)}...` : key}' is ${key.length} characters; a step key is 1 to ${MAX_JOB_NAME_LENGTH}.${step === undefined ? " It was derived as '<spawner step>[<index>]': give the child a shorter 'step'." : ''}`,
      );
    }
    if (taken.has(key) || keys.has(key)) {
      throw new InvalidPipelineError(
        `${where}, child ${i} ('${name}'): step key '${key}' is already used in this pipeline (${taken.has(key) ? 'by this step, one of its dependencies, or a child spawned earlier in this attempt' : 'by another child of this call'}). Step keys must be unique in a pipeline.`,
      );
    }
    keys.add(key);
    const json = toJson(
      input === undefined ? null : input,
      `${where}, input of child ${i} ('${name}')`,
      limits.maxPayloadBytes,
    );
    return { ...options, name, step: key, input: JSON.parse(json) as Json };
  });
  for (const key of keys) taken.add(key);
  return checked;
}
