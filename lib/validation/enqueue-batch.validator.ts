import { InvalidJobOptionsError } from '../errors/invalid-options.error.js';
import { assertKnownFields } from './options.validator.js';

/** What `enqueue()` takes in its options, and each item of `enqueueMany()` besides name and input. */
export const ENQUEUE_FIELDS = [
  'queue',
  'priority',
  'maxAttempts',
  'backoff',
  'timeoutMs',
  'runAfter',
  'uniqueKey',
  'unique',
  'concurrencyKey',
  'em',
];
const ENQUEUE_ITEM_FIELDS = ['name', 'input', ...ENQUEUE_FIELDS.filter((f) => f !== 'em')];

/**
 * Checks `enqueueMany()`'s batch before anything is built: an array, within `maxBatchSize`, each item
 * an object with known fields only. Returns false for an empty batch (nothing to write).
 */
export function assertEnqueueBatch(items: unknown, maxBatchSize: number): boolean {
  if (!Array.isArray(items)) {
    throw new InvalidJobOptionsError(
      `enqueueMany() takes an array of { name, input, ...options }; got ${typeof items}.`,
    );
  }
  if (items.length > maxBatchSize) {
    throw new InvalidJobOptionsError(
      `enqueueMany() got ${items.length} jobs; the limit is ${maxBatchSize} (option maxBatchSize). Split the batch.`,
    );
  }
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new InvalidJobOptionsError(
        `Job ${i} of the batch must be an object { name, input, ...options }; got ${item === null ? 'null' : Array.isArray(item) ? 'an array' : typeof item}.`,
      );
    }
    // The label is built only for an item that fails (10,000 strings per batch otherwise).
    assertKnownFields(
      item,
      ENQUEUE_ITEM_FIELDS,
      () => `Job ${i} of the batch ('${String((item as { name?: unknown }).name)}')`,
    );
  }
  return items.length > 0;
}
