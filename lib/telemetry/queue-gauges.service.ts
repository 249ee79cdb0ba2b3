import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { BatchObservableCallback, Meter, Observable } from '@opentelemetry/api';
import { JobStore } from '../persistence/job.store.js';
import { otel } from './otel-api.js';
import { JobTelemetry } from './telemetry.constants.js';

/**
 * The observable gauges `jobs.queue.depth` (due jobs per queue) and `jobs.queue.oldest_due_age`
 * (seconds), read from the database by one query each time a metric reader collects, never
 * otherwise: without an SDK the callback is never called. Registered on the meter provider the app
 * has at bootstrap (register the SDK before creating the Nest app), removed before the ORM closes.
 * Every process with the module reports the same database-wide figures.
 */
@Injectable()
export class QueueGauges implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private registered?: { meter: Meter; callback: BatchObservableCallback; observables: Observable[] };
  /** Queues seen with due jobs: reported as 0 once they have none, rather than dropped. */
  private readonly seen = new Set<string>();

  constructor(private readonly store: JobStore) {}

  onApplicationBootstrap(): void {
    if (!otel) return;
    const meter = otel.metrics.getMeter(JobTelemetry.scope);
    const depth = meter.createObservableGauge(JobTelemetry.metrics.queueDepth, {
      description: 'Pending jobs due now',
      unit: '{job}',
    });
    const age = meter.createObservableGauge(JobTelemetry.metrics.oldestDueAge, {
      description: 'How long the oldest due job has waited',
      unit: 's',
    });
    const callback: BatchObservableCallback = async (result) => {
      const due = (await this.store.queueDepths()).filter((r) => r.state === 'pending' && !r.scheduled);
      for (const r of due) this.seen.add(r.queue);
      for (const queue of this.seen) {
        const row = due.find((r) => r.queue === queue);
        const attrs = { [JobTelemetry.attributes.destination]: queue };
        result.observe(depth, row?.n ?? 0, attrs);
        result.observe(age, row ? Math.max(0, row.ageMs) / 1000 : 0, attrs);
      }
    };
    meter.addBatchObservableCallback(callback, [depth, age]);
    this.registered = { meter, callback, observables: [depth, age] };
  }

  beforeApplicationShutdown(): void {
    const r = this.registered;
    if (r) r.meter.removeBatchObservableCallback(r.callback, r.observables);
    this.registered = undefined;
  }
}
