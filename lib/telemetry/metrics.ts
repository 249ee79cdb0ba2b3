import type { Attributes, Counter, Histogram, Meter, MeterProvider } from '@opentelemetry/api';
import { otel } from './otel-api.js';
import { JobTelemetry } from './telemetry.constants.js';

/**
 * Counters and histograms of jobs, on the global MeterProvider. Made again when the app registers
 * another provider (the API gives a no-op meter until one is registered, and its instruments would
 * stay no-ops), so the order in which the app and the SDK start does not matter. Without an SDK
 * nothing is recorded or timed: each call costs a look at the global provider (about 0.1 us).
 */

interface Instruments {
  provider: MeterProvider;
  enqueued: Counter;
  started: Counter;
  completed: Counter;
  failed: Counter;
  retried: Counter;
  runDuration: Histogram;
  waitDuration: Histogram;
}

const M = JobTelemetry.metrics;

/** Seconds: from a no-op job's few milliseconds to an hour. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

let current: Instruments | { provider: MeterProvider; noop: true } | undefined;

/** The instruments on the registered meter provider, or undefined while there is none (the API's no-op). */
function instruments(): Instruments | undefined {
  if (!otel) return undefined;
  const provider = otel.metrics.getMeterProvider();
  if (current?.provider !== provider) current = create(provider, otel.createNoopMeter());
  return 'noop' in current ? undefined : current;
}

function create(provider: MeterProvider, noopMeter: Meter): Instruments | { provider: MeterProvider; noop: true } {
  const meter = provider.getMeter(JobTelemetry.scope);
  if (meter === noopMeter) return { provider, noop: true };
  const counter = (name: string, description: string) => meter.createCounter(name, { description, unit: '{job}' });
  const seconds = (name: string, description: string) =>
    meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: SECONDS_BUCKETS } });
  return {
    provider,
    enqueued: counter(M.enqueued, 'Jobs written to the queue'),
    started: counter(M.started, 'Attempts started'),
    completed: counter(M.completed, 'Attempts that completed'),
    failed: counter(M.failed, 'Attempts that failed for good (the job ends failed)'),
    retried: counter(M.retried, 'Attempts that failed and will run again'),
    runDuration: seconds(M.runDuration, 'Time from the start of an attempt to its end'),
    waitDuration: seconds(M.waitDuration, 'Time from when a job was due to its start'),
  };
}

/** One attributes object per queue and name, reused: recording allocates nothing per job. */
const attributesByQueue = new Map<string, Map<string, Attributes>>();

function attributes(queue: string, name: string): Attributes {
  let byName = attributesByQueue.get(queue);
  if (!byName) attributesByQueue.set(queue, (byName = new Map()));
  let attrs = byName.get(name);
  if (!attrs) {
    attrs = Object.freeze({ [JobTelemetry.attributes.jobName]: name, [JobTelemetry.attributes.destination]: queue });
    byName.set(name, attrs);
  }
  return attrs;
}

export function countEnqueued(jobs: readonly { name: string; queue: string }[]): void {
  const m = instruments();
  if (m) for (const job of jobs) m.enqueued.add(1, attributes(job.queue, job.name));
}

/**
 * An attempt starts now: counted, and its wait since the job was due (`runAfter`) recorded. Returns
 * the start time for `recordEnd`, or undefined without a meter provider (then nothing is timed).
 */
export function recordStart(job: { name: string; queue: string; runAfter: Date }): number | undefined {
  const m = instruments();
  if (!m) return undefined;
  const startedAt = Date.now();
  const attrs = attributes(job.queue, job.name);
  m.started.add(1, attrs);
  // Clocks: runAfter is the database's, startedAt this process's; a small skew could go below 0.
  m.waitDuration.record(Math.max(0, startedAt - job.runAfter.getTime()) / 1000, attrs);
  return startedAt;
}

/**
 * An attempt that `recordStart` timed ended: `completed`, `failed` (for good) or `retried`; snoozed
 * and aborted ones count only their duration.
 */
export function recordEnd(
  job: { name: string; queue: string },
  ended: 'completed' | 'failed' | 'retried' | 'other',
  startedAt: number,
): void {
  const m = instruments();
  if (!m) return;
  const attrs = attributes(job.queue, job.name);
  if (ended !== 'other') m[ended].add(1, attrs);
  m.runDuration.record((Date.now() - startedAt) / 1000, attrs);
}
