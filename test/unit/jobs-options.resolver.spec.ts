/** resolveJobsOptions: module options get their defaults, and a bad one fails the boot naming it. */
import { availableParallelism } from 'node:os';
import { JobsConfigurationError } from '../../lib/errors/configuration.error.js';
import { resolveJobsOptions } from '../../lib/jobs-options.resolver.js';

describe('resolveJobsOptions', () => {
  it('fills every default when given nothing', () => {
    const expected = {
      contextName: undefined,
      defaultMaxAttempts: 3,
      defaultBackoff: { baseMs: 1_000, maxMs: 3_600_000, jitter: true },
      maxPayloadBytes: 1_048_576,
      maxBatchSize: 10_000,
      leaseMs: 10_000,
      heartbeatMs: 1_000,
      notify: true,
      preparedStatements: true,
      claimSession: true,
      threadPoolSize: availableParallelism(),
      threadNice: 10,
      retention: {
        rules: [
          { state: 'completed', olderThanMs: 86_400_000 },
          { state: 'failed', olderThanMs: 604_800_000 },
          { state: 'cancelled', olderThanMs: 604_800_000 },
          { state: 'skipped', olderThanMs: 604_800_000 },
        ],
        intervalMs: 60_000,
        batchSize: 500,
      },
      queueLimits: [],
    };
    expect(resolveJobsOptions()).toEqual(expected);
    expect(resolveJobsOptions({})).toEqual(expected);
    expect(resolveJobsOptions(null as never)).toEqual(expected);
  });

  it('retention: false turns it off; a rule given for a state replaces its default; false keeps a state', () => {
    expect(resolveJobsOptions({ retention: false }).retention).toBe(false);
    const r = resolveJobsOptions({
      retention: { completed: { maxCount: 1000 }, failed: false, intervalMs: 500, batchSize: 50 },
    }).retention;
    expect(r).toEqual({
      rules: [
        { state: 'completed', keepLast: 1000 },
        { state: 'cancelled', olderThanMs: 604_800_000 },
        { state: 'skipped', olderThanMs: 604_800_000 },
      ],
      intervalMs: 500,
      batchSize: 50,
    });
  });

  it.each([
    [{ completed: { maxAgeMs: -1 } }, /retention.completed.maxAgeMs' must be an integer >= 0/],
    [{ failed: { maxCount: 0 } }, /retention.failed.maxCount' must be an integer >= 1/],
    [{ cancelled: {} }, /retention.cancelled' must be false or \{ maxAgeMs\?, maxCount\? \} with at least one/],
    [{ intervalMs: 0 }, /retention.intervalMs/],
    [{ batchSize: 1.5 }, /retention.batchSize/],
    [{ keep: 3 }, /has no 'keep'/],
    ['1 day', /'retention' must be false or an object/],
  ])('retention %j fails the boot', (retention, message) => {
    expect(() => resolveJobsOptions({ retention: retention as any })).toThrow(JobsConfigurationError);
    expect(() => resolveJobsOptions({ retention: retention as any })).toThrow(message);
  });

  it('queues: one limit per queue, for the claim', () => {
    expect(
      resolveJobsOptions({
        queues: { mail: { concurrency: 5, rateLimit: { max: 100, perMs: 60_000 } }, sms: { concurrency: 1 } },
      }).queueLimits,
    ).toEqual([
      { queue: 'mail', maxRunning: 5, rateMax: 100, ratePerMs: 60_000 },
      { queue: 'sms', maxRunning: 1, rateMax: undefined, ratePerMs: undefined },
    ]);
  });

  it.each([
    [{ mail: { concurrency: -1 } }, /'JobsModule\.queues\.mail\.concurrency' must be an integer from 1/],
    [{ mail: { concurrency: 0 } }, /'JobsModule\.queues\.mail\.concurrency' must be an integer from 1/],
    [{ mail: { concurrency: 1.5 } }, /'JobsModule\.queues\.mail\.concurrency'/],
    [
      { mail: { rateLimit: { max: 10, perMs: 0 } } },
      /'JobsModule\.queues\.mail\.rateLimit\.perMs' must be an integer from 1/,
    ],
    [
      { mail: { rateLimit: { max: -5, perMs: 1000 } } },
      /'JobsModule\.queues\.mail\.rateLimit\.max' must be an integer from 1/,
    ],
    [{ mail: { rateLimit: { max: 5 } } }, /'JobsModule\.queues\.mail\.rateLimit' must be \{ max, perMs \}/],
    [{ mail: { rateLimit: { max: 1, perMs: 1000, burst: 2 } } }, /rateLimit': unknown option\(s\) 'burst'/],
    [{ mail: { concurency: 2 } }, /unknown option\(s\) 'concurency'; it takes rateLimit, concurrency/],
    [{ mail: {} }, /with at least one/],
    [{ mail: 5 }, /with at least one/],
    [{ ['q'.repeat(65)]: { concurrency: 1 } }, /JobsModule\.queues key/],
    [[], /'queues' must be an object of queue names/],
  ])('queues %j fails the boot', (queues, message) => {
    expect(() => resolveJobsOptions({ queues: queues as any })).toThrow(JobsConfigurationError);
    expect(() => resolveJobsOptions({ queues: queues as any })).toThrow(message);
  });

  it('keeps what is given, and merges a partial defaultBackoff over the defaults', () => {
    const resolved = resolveJobsOptions({
      contextName: 'queue',
      defaultMaxAttempts: 7,
      defaultBackoff: { baseMs: 50 },
      notify: false,
    });
    expect(resolved).toMatchObject({ contextName: 'queue', defaultMaxAttempts: 7, notify: false });
    expect(resolved.defaultBackoff).toEqual({ baseMs: 50, maxMs: 3_600_000, jitter: true });
  });

  it('derives the heartbeat from a short lease: a third of it when that is under a second', () => {
    expect(resolveJobsOptions({ leaseMs: 900 }).heartbeatMs).toBe(300);
    expect(resolveJobsOptions({ leaseMs: 100 }).heartbeatMs).toBe(33);
    expect(resolveJobsOptions({ leaseMs: 60_000 }).heartbeatMs).toBe(1_000);
  });

  it.each([
    ['contextName', { contextName: '' }],
    ['contextName', { contextName: 5 }],
    ['JobsModule.defaultMaxAttempts', { defaultMaxAttempts: 0 }],
    ['JobsModule.defaultMaxAttempts', { defaultMaxAttempts: 1001 }],
    ['JobsModule.maxPayloadBytes', { maxPayloadBytes: 15 }],
    ['JobsModule.maxBatchSize', { maxBatchSize: 0 }],
    ['JobsModule.leaseMs', { leaseMs: 99 }],
    ['JobsModule.leaseMs', { leaseMs: '10s' }],
    ['JobsModule.heartbeatMs', { heartbeatMs: 9 }],
    ['JobsModule.defaultBackoff', { defaultBackoff: 'exp' }],
    ['JobsModule.defaultBackoff.baseMs', { defaultBackoff: { baseMs: -1 } }],
    ['JobsModule.defaultBackoff.jitter', { defaultBackoff: { jitter: 1 } }],
    ['notify', { notify: 'no' }],
    ['preparedStatements', { preparedStatements: 1 }],
    ['claimSession', { claimSession: 'yes' }],
    ['JobsModule.threadPoolSize', { threadPoolSize: 0 }],
    ['JobsModule.threadPoolSize', { threadPoolSize: 2.5 }],
    ['JobsModule.threadNice', { threadNice: -1 }],
    ['JobsModule.threadNice', { threadNice: 20 }],
  ])("a bad '%s' (%p) throws JobsConfigurationError naming it", (option, options) => {
    expect(() => resolveJobsOptions(options as never)).toThrow(JobsConfigurationError);
    expect(() => resolveJobsOptions(options as never)).toThrow(`'${option}'`);
  });

  it('refuses a heartbeat over half the lease, saying how to fix it, whether set or derived', () => {
    expect(() => resolveJobsOptions({ leaseMs: 1_000, heartbeatMs: 501 })).toThrow(
      new JobsConfigurationError(
        "JobsModule option 'heartbeatMs' (501) must be at most half of 'leaseMs' (1000), so one late heartbeat does not lose a lease. Lower heartbeatMs or raise leaseMs.",
      ),
    );
    expect(() => resolveJobsOptions({ leaseMs: 1_000, heartbeatMs: 500 })).not.toThrow();
    expect(() => resolveJobsOptions({ heartbeatMs: 6_000 })).toThrow(
      /'heartbeatMs' \(6000\) must be at most half of 'leaseMs' \(10000\)/,
    );
  });
});
