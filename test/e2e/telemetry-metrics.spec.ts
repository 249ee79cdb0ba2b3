import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { JobTelemetry } from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { waitUntil } from '../helpers/spawned-process.js';
import { registerMetrics, unregisterMetrics, type MetricPoint } from '../helpers/otel.js';

const M = JobTelemetry.metrics;

describe.each(DB_KINDS)('metrics on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;
  let provider: MeterProvider;
  let collect: () => Promise<MetricPoint[]>;

  beforeEach(async () => {
    // Before the app: the queue gauges register on the meter provider there is at bootstrap.
    ({ provider, collect } = registerMetrics());
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options);
  });

  afterEach(async () => {
    await t.close();
    await db.drop();
    await unregisterMetrics(provider);
  });

  /** The points of `name` whose attributes include `attrs`. */
  function points(all: MetricPoint[], name: string, attrs: Record<string, string>): MetricPoint[] {
    return all.filter((p) => p.name === name && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));
  }
  const job = (name: string, queue = 'default') => ({ 'job.name': name, 'messaging.destination.name': queue });
  const value = (all: MetricPoint[], name: string, attrs: Record<string, string>) => {
    const found = points(all, name, attrs);
    return found.length ? found.reduce((n, p) => n + p.value, 0) : undefined;
  };

  it('counts jobs enqueued, started, completed, retried and failed by name and queue, with run and wait histograms in seconds', async () => {
    await t.queue.enqueueMany([
      { name: 'test.echo', input: 1 },
      { name: 'test.echo', input: 2 },
      { name: 'test.echo', input: 3 },
    ]);
    await t.queue.enqueue('test.fail', { failTimes: 1 }); // fails once, then completes
    await t.queue.enqueue('test.fail', {}, { maxAttempts: 2 }); // fails twice: retried, then failed
    await t.queue.enqueue('test.echo', 'elsewhere', { queue: 'other' });
    const summary = await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, queues: ['default'] });
    expect(summary).toMatchObject({ completed: 4, failed: 3 });

    const all = await collect();
    expect(value(all, M.enqueued, job('test.echo'))).toBe(3);
    expect(value(all, M.enqueued, job('test.echo', 'other'))).toBe(1);
    expect(value(all, M.enqueued, job('test.fail'))).toBe(2);
    expect(value(all, M.started, job('test.echo'))).toBe(3);
    expect(value(all, M.started, job('test.fail'))).toBe(4);
    expect(value(all, M.started, job('test.echo', 'other'))).toBeUndefined();
    expect(value(all, M.completed, job('test.echo'))).toBe(3);
    expect(value(all, M.completed, job('test.fail'))).toBe(1);
    expect(value(all, M.retried, job('test.fail'))).toBe(2);
    expect(value(all, M.failed, job('test.fail'))).toBe(1);
    expect(value(all, M.failed, job('test.echo'))).toBeUndefined();

    for (const name of [M.runDuration, M.waitDuration]) {
      const [echo] = points(all, name, job('test.echo'));
      expect(echo).toMatchObject({ unit: 's', count: 3 });
      expect(points(all, name, job('test.fail'))[0]!.count).toBe(4);
      expect(echo!.value).toBeGreaterThanOrEqual(0);
    }
  });

  it('counts a deduplicated enqueue once: a held uniqueKey, a unique.forMs hit and a replace or debounce of a waiting job write nothing new', async () => {
    const later = new Date(Date.now() + 3_600_000);
    const held = await t.queue.enqueue('test.echo', 1, { uniqueKey: 'one', runAfter: later });
    expect((await t.queue.enqueue('test.echo', 2, { uniqueKey: 'one' })).id).toBe(held.id);
    const batch = await t.queue.enqueueMany([
      { name: 'test.echo', input: 3, uniqueKey: 'one' },
      { name: 'test.echo', input: 4, uniqueKey: 'two', runAfter: later },
      { name: 'test.echo', input: 5, uniqueKey: 'two' },
    ]);
    expect(batch.map((j) => j.id)).toEqual([held.id, batch[1]!.id, batch[1]!.id]);
    expect(value(await collect(), M.enqueued, job('test.echo'))).toBe(2);

    const recent = await t.queue.enqueue('test.echo', 6, { unique: { key: 'day', forMs: 60_000 }, queue: 'q' });
    expect((await t.queue.enqueue('test.echo', 7, { unique: { key: 'day', forMs: 60_000 }, queue: 'q' })).id).toBe(
      recent.id,
    );
    const waiting = await t.queue.enqueue('test.echo', 8, { unique: { key: 'r', replace: true }, queue: 'q' });
    const replaced = await t.queue.enqueue('test.echo', 9, { unique: { key: 'r', replace: true }, queue: 'q' });
    expect(replaced).toMatchObject({ id: waiting.id, input: 9 });
    const debounced = await t.queue.enqueue('test.echo', 10, { unique: { key: 'd', debounceMs: 60_000 }, queue: 'q' });
    await t.queue.enqueue('test.echo', 11, { unique: { key: 'd', debounceMs: 60_000 }, queue: 'q' });
    expect((await t.queue.get(debounced.id)).input).toBe(11);
    expect(value(await collect(), M.enqueued, job('test.echo', 'q'))).toBe(3);
  });

  it('counts each run-time schedule occurrence once, in the one of two consumers that enqueued it', async () => {
    const other = await createJobsApp(db.options, { createSchema: false });
    try {
      await t.queue.schedule('tick', '* * * * * *', 'test.echo', { tick: true }, { queue: 'ticks' });
      const runs = [t, other].map((app) => app.consumer.run({ pollIntervalMs: 20, queues: ['ticks'] }));
      await waitUntil(async () => (await t.queue.schedules())[0]!.lastRunAt !== null, 'a first occurrence', 15_000);
      const first = (await t.queue.schedules())[0]!.lastRunAt!;
      await waitUntil(
        async () => (await t.queue.schedules())[0]!.lastRunAt!.getTime() > first.getTime(),
        'a second occurrence',
        15_000,
      );
      await t.queue.unschedule('tick');
      await Promise.all([t.consumer.stop(), other.consumer.stop()]);
      await Promise.all(runs);
      const [{ n }] = await t.orm.em
        .fork()
        .getConnection()
        .execute(`select count(*) as n from queue_job where queue = 'ticks'`);
      expect(Number(n)).toBeGreaterThanOrEqual(2);
      expect(value(await collect(), M.enqueued, job('test.echo', 'ticks'))).toBe(Number(n));
    } finally {
      await other.close();
    }
  });

  it('observes due jobs per queue and the age of the oldest due job when collected', async () => {
    await t.queue.enqueueMany([
      { name: 'test.echo', input: 1, queue: 'mail' },
      { name: 'test.echo', input: 2, queue: 'mail' },
    ]);
    await t.queue.enqueue('test.echo', 3, { queue: 'reports' });
    await t.queue.enqueue('test.echo', 4, { queue: 'reports', runAfter: new Date(Date.now() + 3_600_000) });
    await t.queue.pauseQueue('idle'); // a queue with no jobs: not reported
    const first = await collect();
    expect(value(first, M.queueDepth, { 'messaging.destination.name': 'mail' })).toBe(2);
    // The scheduled job is not due: not counted.
    expect(value(first, M.queueDepth, { 'messaging.destination.name': 'reports' })).toBe(1);
    expect(points(first, M.queueDepth, { 'messaging.destination.name': 'idle' })).toEqual([]);
    const [age] = points(first, M.oldestDueAge, { 'messaging.destination.name': 'mail' });
    expect(age!.unit).toBe('s');
    expect(age!.value).toBeGreaterThanOrEqual(0);

    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, queues: ['mail'] });
    const after = await collect();
    // A queue seen before is reported at 0 once drained.
    expect(value(after, M.queueDepth, { 'messaging.destination.name': 'mail' })).toBe(0);
    expect(value(after, M.oldestDueAge, { 'messaging.destination.name': 'mail' })).toBe(0);
    expect(value(after, M.queueDepth, { 'messaging.destination.name': 'reports' })).toBe(1);
  });
});
