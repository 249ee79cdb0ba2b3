import { JobsConfigurationError } from '../errors/configuration.error.js';
import type { ResolvedRetention, RetentionOptions, RetentionRule } from '../interfaces/jobs-module-options.js';
import { DEFAULT_RETENTION, DEFAULT_RETENTION_BATCH_SIZE, DEFAULT_RETENTION_INTERVAL_MS } from '../jobs.constants.js';
import { assertInt, describe } from './options.validator.js';

const STATES = ['completed', 'failed', 'cancelled'] as const;

/** Applies the defaults of module option `retention` and checks it; a bad value fails the boot naming the option. */
export function resolveRetention(raw: false | RetentionOptions | undefined): ResolvedRetention | false {
  const Err = JobsConfigurationError;
  if (raw === false) return false;
  if (raw !== undefined && (typeof raw !== 'object' || raw === null)) {
    throw new Err(
      `JobsModule option 'retention' must be false or an object like { completed: { maxAgeMs: 86400000 } }; got ${describe(raw)}.`,
    );
  }
  const o = raw ?? {};
  const unknown = Object.keys(o).filter((k) => ![...STATES, 'intervalMs', 'batchSize'].includes(k));
  if (unknown.length) {
    throw new Err(
      `JobsModule option 'retention' has no ${unknown.map((k) => `'${k}'`).join(', ')}; it takes completed, failed, cancelled, intervalMs and batchSize.`,
    );
  }
  assertInt(o.intervalMs, 'JobsModule.retention.intervalMs', { min: 10, Err });
  assertInt(o.batchSize, 'JobsModule.retention.batchSize', { min: 1, max: 10_000, Err });
  const rules: ResolvedRetention['rules'] = [];
  for (const state of STATES) {
    const rule: RetentionRule | false = o[state] ?? { maxAgeMs: DEFAULT_RETENTION[state] };
    if (rule === false) continue;
    const option = `JobsModule.retention.${state}`;
    if (typeof rule !== 'object' || rule === null || (rule.maxAgeMs === undefined && rule.maxCount === undefined)) {
      throw new Err(
        `Option '${option}' must be false or { maxAgeMs?, maxCount? } with at least one; got ${describe(rule)}.`,
      );
    }
    assertInt(rule.maxAgeMs, `${option}.maxAgeMs`, { min: 0, Err });
    assertInt(rule.maxCount, `${option}.maxCount`, { min: 1, Err });
    const resolved = { state, olderThanMs: rule.maxAgeMs, keepLast: rule.maxCount };
    rules.push(resolved);
    // Skipped pipeline steps follow the cancelled rule (they never ran either).
    if (state === 'cancelled') rules.push({ state: 'skipped', olderThanMs: rule.maxAgeMs });
  }
  return {
    rules,
    intervalMs: o.intervalMs ?? DEFAULT_RETENTION_INTERVAL_MS,
    batchSize: o.batchSize ?? DEFAULT_RETENTION_BATCH_SIZE,
  };
}
