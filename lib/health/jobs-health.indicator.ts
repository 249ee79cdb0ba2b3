import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { HealthIndicatorService } from '@nestjs/terminus';

type Session = ReturnType<HealthIndicatorService['check']>;
import { JobsConfigurationError } from '../errors/configuration.error.js';
import { JobConsumer } from '../consumer/job-consumer.service.js';
import { JobStore } from '../persistence/job.store.js';
import { assertHealthOptions, type ConsumerCheckOptions, type OldestDueCheckOptions } from './jobs-health.options.js';

export type { ConsumerCheckOptions, OldestDueCheckOptions } from './jobs-health.options.js';

/** What each check returns: `{ [key]: { status: 'up' | 'down', ...details } }`, a terminus `HealthIndicatorResult`. */
export type JobsHealthResult<K extends string = string> = Record<
  K,
  { status: 'up' | 'down' | 'degraded'; [detail: string]: unknown }
>;

/** A consumer whose loop has not gone round for longer than this is not alive (or 3 poll intervals, if longer). */
export const DEFAULT_MAX_TICK_AGE_MS = 30_000;
/** The ping's limit: a database that takes longer is down for a probe. */
export const DEFAULT_PING_TIMEOUT_MS = 3_000;

/**
 * Health checks of the queue for `@nestjs/terminus` (an optional peer, loaded at the first check):
 * inject it next to `HealthCheckService` and list the checks you want, e.g.
 * `() => this.jobs.pingCheck('jobs_database')`.
 */
@Injectable()
export class JobsHealthIndicator {
  private indicators?: Promise<HealthIndicatorService>;

  constructor(
    private readonly store: JobStore,
    private readonly consumer: JobConsumer,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** The queue's database answers a query (SQLite: and its file is still where it was opened), within `timeoutMs`. */
  async pingCheck<K extends string = 'jobs_database'>(
    key: K = 'jobs_database' as K,
    options: { timeoutMs?: number } = {},
  ): Promise<JobsHealthResult<K>> {
    assertHealthOptions('pingCheck', options, ['timeoutMs']);
    const session = await this.session(key);
    return session
      .attempt(() => this.store.monitor.ping())
      .withTimeout(options.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS) as unknown as Promise<JobsHealthResult<K>>;
  }

  /**
   * Every consumer of this process is running and its loop went round lately. A process that runs
   * no consumer (an HTTP producer) is up, with a message saying so, unless `required`.
   */
  async consumerCheck<K extends string = 'jobs_consumer'>(
    key: K = 'jobs_consumer' as K,
    options: ConsumerCheckOptions = {},
  ): Promise<JobsHealthResult<K>> {
    assertHealthOptions('consumerCheck', options, ['required', 'maxTickAgeMs']);
    const session = await this.session(key);
    const consumers = this.consumer.consumers();
    if (consumers.length === 0) {
      const message = 'not running here: no consumer runs in this process';
      return (options.required
        ? session.down({ message, consumers: 0 })
        : session.up({ message, consumers: 0 })) as unknown as JobsHealthResult<K>;
    }
    const now = Date.now();
    const details = consumers.map((c) => {
      const limit = options.maxTickAgeMs ?? Math.max(DEFAULT_MAX_TICK_AGE_MS, 3 * c.pollIntervalMs);
      const lastTickAgeMs = now - c.lastTickAt.getTime();
      return {
        consumerId: c.consumerId,
        state: c.state,
        runningJobs: c.runningJobs,
        lastTickAgeMs,
        alive: c.state === 'running' && lastTickAgeMs <= limit,
      };
    });
    const data = { consumers: details.length, details };
    return (details.every((d) => d.alive)
      ? session.up(data)
      : session.down({
          message: 'a consumer of this process is stopped or stuck',
          ...data,
        })) as unknown as JobsHealthResult<K>;
  }

  /** The oldest due job (of queues not paused, or of `queues`) has waited at most `maxAgeMs`. */
  async oldestDueJobCheck<K extends string = 'jobs_backlog'>(
    key: K = 'jobs_backlog' as K,
    options: OldestDueCheckOptions,
  ): Promise<JobsHealthResult<K>> {
    assertHealthOptions('oldestDueJobCheck', options, ['maxAgeMs', 'queues']);
    const session = await this.session(key);
    let ageMs: number | null;
    try {
      ageMs = await this.store.monitor.oldestDueAgeMs(options.queues);
    } catch (err) {
      return session.down({
        message: `cannot read the queue: ${(err as Error).message}`,
      }) as unknown as JobsHealthResult<K>;
    }
    const data = { oldestDueAgeMs: ageMs, maxAgeMs: options.maxAgeMs };
    if (ageMs === null || ageMs <= options.maxAgeMs) return session.up(data) as unknown as JobsHealthResult<K>;
    const message = `the oldest due job has waited ${ageMs} ms, more than ${options.maxAgeMs} ms: consumers do not keep up, or none runs`;
    return session.down({ message, ...data }) as unknown as JobsHealthResult<K>;
  }

  private async session(key: string): Promise<Session> {
    this.indicators ??= (async () => {
      let terminus: typeof import('@nestjs/terminus');
      try {
        terminus = await import('@nestjs/terminus');
      } catch (err) {
        throw new JobsConfigurationError(
          'JobsHealthIndicator needs @nestjs/terminus: npm install @nestjs/terminus, and import TerminusModule in your health module.',
          { cause: err },
        );
      }
      try {
        // The app's own (TerminusModule), so its result cache is shared; else one of ours.
        return this.moduleRef.get(terminus.HealthIndicatorService, { strict: false });
      } catch {
        return new terminus.HealthIndicatorService();
      }
    })();
    return (await this.indicators).check(key);
  }
}
