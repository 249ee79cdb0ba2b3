/**
 * jobLimits: `@Job()` options `rateLimit` and `concurrency` are checked at boot; a bad one is
 * JobsConfigurationError naming the job and the option. Good ones become the claim's limits.
 */
import { JobsConfigurationError } from '../../../lib/errors/configuration.error.js';
import { jobLimits } from '../../../lib/validation/job-limits.validator.js';

describe('jobLimits', () => {
  it('turns rateLimit and concurrency into the limits of the claim; none without either', () => {
    expect(jobLimits('sync', { concurrency: { perKey: 1 } }, 'S.m')).toEqual({
      name: 'sync',
      perKey: 1,
    });
    expect(jobLimits('mail', { rateLimit: { max: 10, perMs: 1000 }, concurrency: { max: 3 } }, 'S.m')).toEqual({
      name: 'mail',
      maxRunning: 3,
      rateMax: 10,
      ratePerMs: 1000,
    });
    expect(jobLimits('plain', {}, 'S.m')).toBeUndefined();
  });

  it.each([
    [{ rateLimit: { max: 0, perMs: 1000 } }, /rateLimit.max of @Job\('j'\) on S.m' must be an integer from 1/],
    [{ rateLimit: { max: 1.5, perMs: 1000 } }, /rateLimit.max/],
    [{ rateLimit: { max: 5, perMs: 0 } }, /rateLimit.perMs of @Job\('j'\) on S.m' must be an integer from 1/],
    [{ rateLimit: { max: 5 } }, /'rateLimit' must be \{ max, perMs \}/],
    [{ rateLimit: 10 }, /'rateLimit' must be \{ max, perMs \}/],
    [{ concurrency: { perKey: -1 } }, /concurrency.perKey/],
    [{ concurrency: { max: '2' } }, /concurrency.max/],
    [{ concurrency: {} }, /'concurrency' must be \{ max\?, perKey\? \} with at least one/],
    [{ concurrency: null }, /'concurrency' must be/],
  ])('refuses %j', (options, message) => {
    expect(() => jobLimits('j', options as any, 'S.m')).toThrow(JobsConfigurationError);
    expect(() => jobLimits('j', options as any, 'S.m')).toThrow(message);
  });
});
