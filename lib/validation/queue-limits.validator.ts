import { JobsConfigurationError } from '../errors/configuration.error.js';
import type { QueueLimitOptions } from '../interfaces/jobs-module-options.js';
import type { QueueLimit } from '../persistence/store.types.js';
import { assertInt, assertKnownFields, assertQueueName, describe } from './options.validator.js';

const QUEUE_FIELDS = ['rateLimit', 'concurrency'] as const;
const RATE_FIELDS = ['max', 'perMs'] as const;

/**
 * Checks module option `queues` at boot (a bad entry fails it, naming the queue, the option and the
 * fix) and returns one limit per queue, for the claim.
 */
export function resolveQueueLimits(raw: Record<string, QueueLimitOptions> | undefined): QueueLimit[] {
  const Err = JobsConfigurationError;
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Err(
      `JobsModule option 'queues' must be an object of queue names, e.g. { mail: { concurrency: 5 } }; got ${describe(raw)}.`,
    );
  }
  return Object.entries(raw).map(([queue, o]) => {
    const option = `JobsModule.queues.${queue}`;
    assertQueueName(queue, `JobsModule.queues key`, Err, true);
    const shape = `must be { rateLimit?, concurrency? } with at least one, e.g. { concurrency: 5 }`;
    if (typeof o !== 'object' || o === null) throw new Err(`Option '${option}' ${shape}; got ${describe(o)}.`);
    // Unknown fields first: a misspelt limit (`concurency`) would otherwise be dropped without a word.
    assertKnownFields(o, QUEUE_FIELDS, `Option '${option}'`, Err);
    if (o.rateLimit === undefined && o.concurrency === undefined)
      throw new Err(`Option '${option}' ${shape}; got ${JSON.stringify(o)}.`);
    assertInt(o.concurrency, `${option}.concurrency`, { min: 1, max: 1_000_000, Err });
    const rate = o.rateLimit;
    if (rate !== undefined) {
      if (typeof rate !== 'object' || rate === null || rate.max === undefined || rate.perMs === undefined) {
        throw new Err(
          `Option '${option}.rateLimit' must be { max, perMs }, e.g. { max: 10, perMs: 1000 }; got ${describe(rate)}.`,
        );
      }
      assertKnownFields(rate, RATE_FIELDS, `Option '${option}.rateLimit'`, Err);
      assertInt(rate.max, `${option}.rateLimit.max`, { min: 1, max: 1_000_000, Err });
      assertInt(rate.perMs, `${option}.rateLimit.perMs`, { min: 1, max: 2_147_483_647, Err });
    }
    return { queue, maxRunning: o.concurrency, rateMax: rate?.max, ratePerMs: rate?.perMs };
  });
}
