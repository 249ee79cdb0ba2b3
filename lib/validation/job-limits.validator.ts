import { JobsConfigurationError } from '../errors/configuration.error.js';
import type { JobHandlerOptions } from '../interfaces/job-options.js';
import type { JobLimit } from '../persistence/store.types.js';
import { assertInt, describe } from './options.validator.js';

/**
 * Checks `@Job()` options `rateLimit` and `concurrency` at boot (a bad one fails it, naming the
 * job and the option), and returns the job's limits for the claim, or undefined without any.
 */
export function jobLimits(
  name: string,
  o: Pick<JobHandlerOptions, 'rateLimit' | 'concurrency'>,
  source: string,
): JobLimit | undefined {
  const Err = JobsConfigurationError;
  const where = `@Job('${name}') on ${source}`;
  const { rateLimit, concurrency } = o;
  if (rateLimit !== undefined) {
    if (
      typeof rateLimit !== 'object' ||
      rateLimit === null ||
      rateLimit.max === undefined ||
      rateLimit.perMs === undefined
    ) {
      throw new Err(
        `${where}: option 'rateLimit' must be { max, perMs }, e.g. { max: 10, perMs: 1000 }; got ${describe(rateLimit)}.`,
      );
    }
    assertInt(rateLimit.max, `rateLimit.max of ${where}`, {
      min: 1,
      max: 1_000_000,
      Err,
    });
    assertInt(rateLimit.perMs, `rateLimit.perMs of ${where}`, {
      min: 1,
      max: 2_147_483_647,
      Err,
    });
  }
  if (concurrency !== undefined) {
    if (
      typeof concurrency !== 'object' ||
      concurrency === null ||
      (concurrency.max === undefined && concurrency.perKey === undefined)
    ) {
      throw new Err(
        `${where}: option 'concurrency' must be { max?, perKey? } with at least one, e.g. { perKey: 1 }; got ${describe(concurrency)}.`,
      );
    }
    assertInt(concurrency.max, `concurrency.max of ${where}`, {
      min: 1,
      max: 1_000_000,
      Err,
    });
    assertInt(concurrency.perKey, `concurrency.perKey of ${where}`, {
      min: 1,
      max: 1_000_000,
      Err,
    });
  }
  if (!rateLimit && !concurrency) return undefined;
  return {
    name,
    maxRunning: concurrency?.max,
    perKey: concurrency?.perKey,
    rateMax: rateLimit?.max,
    ratePerMs: rateLimit?.perMs,
  };
}
