import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import type { ConsumerOptions } from '../interfaces/consumer-options.js';
import { assertInt, assertKnownFields, assertNameList, describe } from '../validation/options.validator.js';

/** What `ConsumerOptions` takes (the consumer CLI's flags map onto these). */
const CONSUMER_FIELDS = [
  'concurrency',
  'include',
  'exclude',
  'queues',
  'pollIntervalMs',
  'maxJobs',
  'timeoutMs',
  'untilEmpty',
  'shutdownGraceMs',
  'schedule',
  'handleSignals',
] as const;

/** Checks the options of `JobConsumer.run()`; each message names the option, what was given and the fix. */
export function assertConsumerOptions(o: ConsumerOptions): void {
  if (o === null || typeof o !== 'object')
    throw new InvalidJobOptionsError(`Consumer options must be an object; got ${describe(o)}.`);
  assertKnownFields(o, CONSUMER_FIELDS, 'Consumer options');
  assertInt(o.concurrency, 'concurrency', { min: 1, max: 100_000 });
  assertInt(o.pollIntervalMs, 'pollIntervalMs', { min: 1 });
  assertInt(o.maxJobs, 'maxJobs', { min: 1 });
  assertInt(o.timeoutMs, 'timeoutMs', { min: 1 });
  assertInt(o.shutdownGraceMs, 'shutdownGraceMs', { min: 0 });
  assertNameList(o.include, 'include', false);
  assertNameList(o.exclude, 'exclude');
  assertNameList(o.queues, 'queues', false);
  for (const flag of ['untilEmpty', 'handleSignals', 'schedule'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean') {
      throw new InvalidJobOptionsError(`Option '${flag}' must be true or false; got ${describe(o[flag])}.`);
    }
  }
}
