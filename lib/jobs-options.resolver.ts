import { availableParallelism } from 'node:os';
import {
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_BATCH_SIZE,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_THREAD_NICE,
} from './jobs.constants.js';
import { JobsConfigurationError } from './errors/configuration.error.js';
import type { JobsModuleOptions, ResolvedJobsModuleOptions } from './interfaces/jobs-module-options.js';
import { assertBackoff, assertInt } from './validation/options.validator.js';
import { resolveRetention } from './validation/retention.validator.js';
import { resolveQueueLimits } from './validation/queue-limits.validator.js';

/** Applies defaults and validates module options; a bad value fails the boot naming the option. */
export function resolveJobsOptions(raw: JobsModuleOptions = {}): ResolvedJobsModuleOptions {
  const Err = JobsConfigurationError;
  const o = raw ?? {};
  if (o.contextName !== undefined && (typeof o.contextName !== 'string' || !o.contextName)) {
    throw new Err(
      `JobsModule option 'contextName' must be the non-empty contextName of a MikroOrmModule; got ${String(o.contextName)}.`,
    );
  }
  assertInt(o.defaultMaxAttempts, 'JobsModule.defaultMaxAttempts', { min: 1, max: 1000, Err });
  assertInt(o.maxPayloadBytes, 'JobsModule.maxPayloadBytes', { min: 16, Err });
  assertInt(o.maxBatchSize, 'JobsModule.maxBatchSize', { min: 1, Err });
  assertInt(o.leaseMs, 'JobsModule.leaseMs', { min: 100, Err });
  assertInt(o.heartbeatMs, 'JobsModule.heartbeatMs', { min: 10, Err });
  assertInt(o.threadPoolSize, 'JobsModule.threadPoolSize', { min: 1, max: 1024, Err });
  assertInt(o.threadNice, 'JobsModule.threadNice', { min: 0, max: 19, Err });
  assertBackoff(o.defaultBackoff, 'JobsModule.defaultBackoff', Err);
  if (o.notify !== undefined && typeof o.notify !== 'boolean')
    throw new Err(`JobsModule option 'notify' must be true or false.`);
  if (o.preparedStatements !== undefined && typeof o.preparedStatements !== 'boolean')
    throw new Err(`JobsModule option 'preparedStatements' must be true or false.`);
  if (o.claimSession !== undefined && typeof o.claimSession !== 'boolean')
    throw new Err(`JobsModule option 'claimSession' must be true or false.`);
  const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
  const heartbeatMs = o.heartbeatMs ?? Math.min(DEFAULT_HEARTBEAT_MS, Math.floor(leaseMs / 3));
  if (heartbeatMs * 2 > leaseMs) {
    throw new Err(
      `JobsModule option 'heartbeatMs' (${heartbeatMs}) must be at most half of 'leaseMs' (${leaseMs}), so one late heartbeat does not lose a lease. Lower heartbeatMs or raise leaseMs.`,
    );
  }
  return {
    contextName: o.contextName,
    defaultMaxAttempts: o.defaultMaxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    defaultBackoff: {
      baseMs: DEFAULT_BACKOFF_BASE_MS,
      maxMs: DEFAULT_BACKOFF_MAX_MS,
      jitter: true,
      ...(o.defaultBackoff ?? {}),
    },
    maxPayloadBytes: o.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    maxBatchSize: o.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    leaseMs,
    heartbeatMs,
    notify: o.notify ?? true,
    preparedStatements: o.preparedStatements ?? true,
    claimSession: o.claimSession ?? true,
    threadPoolSize: o.threadPoolSize ?? availableParallelism(),
    threadNice: o.threadNice ?? DEFAULT_THREAD_NICE,
    retention: resolveRetention(o.retention),
    queueLimits: resolveQueueLimits(o.queues),
  };
}
