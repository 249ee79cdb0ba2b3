/**
 * The one options validator: every option refuses bad types, out-of-range numbers and (where
 * invalid) zero, with the error class the caller chose and a message naming the option and what
 * was given.
 */
import { JobsConfigurationError } from '../../../lib/errors/configuration.error.js';
import { InvalidJobOptionsError } from '../../../lib/errors/invalid-options.error.js';
import { JobsError } from '../../../lib/errors/jobs.error.js';
import { assertConsumerOptions } from '../../../lib/consumer/consumer-options.validator.js';
import {
  assertBackoff,
  assertInt,
  assertJobName,
  assertRunOptions,
} from '../../../lib/validation/options.validator.js';

/** The error `fn` throws; fails the test when it throws nothing. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw, got none');
}

describe('assertRunOptions (enqueue, @Job() and pipeline steps)', () => {
  it('accepts no options, undefined values and every option at its limits', () => {
    expect(() => assertRunOptions({})).not.toThrow();
    expect(() => assertRunOptions({ queue: undefined, priority: undefined, backoff: undefined })).not.toThrow();
    expect(() =>
      assertRunOptions({
        queue: 'q'.repeat(64),
        priority: -(2 ** 31),
        maxAttempts: 1000,
        timeoutMs: 2 ** 31 - 1,
        backoff: { baseMs: 0, maxMs: 0, jitter: false },
        runAfter: new Date(0),
        uniqueKey: 'k'.repeat(255),
      }),
    ).not.toThrow();
    expect(() => assertRunOptions({ priority: 2 ** 31 - 1, maxAttempts: 1, timeoutMs: 1 })).not.toThrow();
  });

  it.each([
    ['queue', { queue: 123 }, '123'],
    ['queue', { queue: '' }, '""'],
    ['queue', { queue: 'q'.repeat(65) }, 'at most 64'],
    ['priority', { priority: '5' }, '"5"'],
    ['priority', { priority: 1.5 }, '1.5'],
    ['priority', { priority: 2 ** 31 }, '2147483648'],
    ['priority', { priority: -(2 ** 31) - 1 }, '-2147483649'],
    ['priority', { priority: NaN }, 'NaN'],
    ['maxAttempts', { maxAttempts: 0 }, 'from 1 to 1000'],
    ['maxAttempts', { maxAttempts: -1 }, '-1'],
    ['maxAttempts', { maxAttempts: 1001 }, '1001'],
    ['maxAttempts', { maxAttempts: Infinity }, 'Infinity'],
    ['timeoutMs', { timeoutMs: 0 }, 'from 1 to 2147483647'],
    ['timeoutMs', { timeoutMs: 2 ** 31 }, '2147483648'],
    ['timeoutMs', { timeoutMs: null }, 'null'],
    ['backoff', { backoff: 'fast' }, '"fast"'],
    ['backoff', { backoff: null }, 'null'],
    ['backoff.baseMs', { backoff: { baseMs: -1 } }, '-1'],
    ['backoff.maxMs', { backoff: { maxMs: 1.5 } }, '1.5'],
    ['backoff.jitter', { backoff: { jitter: 'yes' } }, '"yes"'],
    ['runAfter', { runAfter: new Date('not a date') }, 'Invalid Date'],
    ['runAfter', { runAfter: '2030-01-01T00:00:00Z' }, '"2030-01-01T00:00:00Z"'],
    ['runAfter', { runAfter: Date.now() }, 'new Date('],
    ['uniqueKey', { uniqueKey: '' }, '""'],
    ['uniqueKey', { uniqueKey: 'k'.repeat(256) }, 'at most 255'],
    ['uniqueKey', { uniqueKey: 42 }, '42'],
  ])("a bad '%s' (%p) throws InvalidJobOptionsError naming it and the value", (option, options, shown) => {
    const err = thrown(() => assertRunOptions(options as never));
    expect(err).toBeInstanceOf(InvalidJobOptionsError);
    expect(err).toBeInstanceOf(JobsError);
    expect(err.message).toContain(`'${option}'`);
    expect(err.message).toContain(shown);
  });

  it.each([null, 'fast', 5])('options that are not an object (%p) are refused', (options) => {
    expect(thrown(() => assertRunOptions(options as never)).message).toMatch(/^Options must be an object/);
  });

  it('throws the error class the caller picks, such as JobsConfigurationError at boot', () => {
    const err = thrown(() => assertRunOptions({ priority: 0.5 }, JobsConfigurationError));
    expect(err).toBeInstanceOf(JobsConfigurationError);
    expect(err).not.toBeInstanceOf(InvalidJobOptionsError);
    expect((err as JobsConfigurationError).code).toBe('JOBS_CONFIGURATION');
  });
});

describe('assertInt and assertBackoff', () => {
  it('name the given option path and range, and leave undefined alone', () => {
    expect(() => assertInt(undefined, 'x', { min: 1 })).not.toThrow();
    expect(thrown(() => assertInt(0, 'JobsModule.leaseMs', { min: 100 })).message).toBe(
      "Option 'JobsModule.leaseMs' must be an integer >= 100; got 0.",
    );
    expect(thrown(() => assertBackoff(5 as never, 'JobsModule.defaultBackoff')).message).toContain(
      "'JobsModule.defaultBackoff' must be an object like { baseMs: 1000, maxMs: 3600000 }",
    );
  });

  it('describe values that cannot be turned into text without throwing themselves', () => {
    const err = thrown(() => assertInt(Object.create(null), 'priority', { min: 0 }));
    expect(err).toBeInstanceOf(InvalidJobOptionsError);
    expect(err.message).toContain('got object');
  });
});

describe('assertJobName', () => {
  it.each([
    ['a number', 42],
    ['an empty string', ''],
    ['129 characters', 'n'.repeat(129)],
    ['undefined', undefined],
  ])('refuses %s, saying where the name came from', (_what, name) => {
    const err = thrown(() => assertJobName(name, '@Job() on Jobs.run'));
    expect(err).toBeInstanceOf(InvalidJobOptionsError);
    expect(err.message).toMatch(
      /^@Job\(\) on Jobs\.run: a job name must be a non-empty string of at most 128 characters/,
    );
  });

  it('accepts 1 to 128 characters', () => {
    expect(() => assertJobName('a', 'enqueue')).not.toThrow();
    expect(() => assertJobName('n'.repeat(128), 'enqueue')).not.toThrow();
  });
});

describe('assertConsumerOptions', () => {
  it('accepts empty options, an empty exclude list, and every option at its limits', () => {
    expect(() => assertConsumerOptions({})).not.toThrow();
    expect(() =>
      assertConsumerOptions({
        concurrency: 100_000,
        pollIntervalMs: 1,
        maxJobs: 1,
        timeoutMs: 1,
        shutdownGraceMs: 0,
        include: ['a'],
        exclude: [],
        queues: ['default'],
        untilEmpty: true,
        handleSignals: false,
        schedule: true,
      }),
    ).not.toThrow();
  });

  it.each([
    ['concurrency', { concurrency: 0 }],
    ['concurrency', { concurrency: 100_001 }],
    ['concurrency', { concurrency: '4' }],
    ['pollIntervalMs', { pollIntervalMs: 0 }],
    ['maxJobs', { maxJobs: -5 }],
    ['timeoutMs', { timeoutMs: 0 }],
    ['shutdownGraceMs', { shutdownGraceMs: -1 }],
    ['shutdownGraceMs', { shutdownGraceMs: 0.5 }],
    ['include', { include: 'a' }],
    ['include', { include: [''] }],
    ['include', { include: [] }],
    ['exclude', { exclude: [1] }],
    ['queues', { queues: [] }],
    ['queues', { queues: [null] }],
    ['untilEmpty', { untilEmpty: 'yes' }],
    ['handleSignals', { handleSignals: 1 }],
    ['schedule', { schedule: null }],
  ])("a bad '%s' (%p) throws InvalidJobOptionsError naming it", (option, options) => {
    const err = thrown(() => assertConsumerOptions(options as never));
    expect(err).toBeInstanceOf(InvalidJobOptionsError);
    expect(err.message).toContain(`'${option}'`);
  });

  it('an empty include or queues list says that nothing would match, and how to fix it', () => {
    expect(thrown(() => assertConsumerOptions({ queues: [] })).message).toBe(
      "Option 'queues' is an empty list, so nothing would match. Name at least one, or leave the option out for all.",
    );
  });

  it('options that are not an object are refused', () => {
    expect(thrown(() => assertConsumerOptions(null as never)).message).toBe(
      'Consumer options must be an object; got null.',
    );
  });
});
