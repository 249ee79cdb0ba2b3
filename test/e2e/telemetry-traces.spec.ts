import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type TracerProvider } from '@opentelemetry/sdk-trace';
import { pipeline } from '../../lib/index.js';
import { runNode } from '../helpers/child-process.js';
import { createTestDatabase, DB_KINDS, testDbEnv, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import {
  disableTracing,
  readSpanFile,
  registerTracing,
  spanRecord,
  unregisterTracing,
  type SpanRecord,
} from '../helpers/otel.js';
import { TracedJobs } from '../fixtures/traced-jobs.js';

/** The trace context column of a job, read directly: the public API does not show it. */
async function storedTraceContext(t: JobsTestApp, id: string): Promise<string | null> {
  const [row] = await t.orm.em.fork().getConnection().execute(`select trace_context from queue_job where id = ${id}`);
  return row.trace_context ?? null;
}

function only(spans: SpanRecord[], name: string): SpanRecord {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`${found.length} spans named '${name}' in ${spans.map((s) => s.name)}`);
  return found[0]!;
}

describe.each(DB_KINDS)('traces on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;
  let exporter: InMemorySpanExporter;
  let provider: TracerProvider;
  let dir: string;

  beforeEach(async () => {
    exporter = new InMemorySpanExporter();
    provider = registerTracing(exporter);
    dir = mkdtempSync(join(tmpdir(), 'jobs-spans-'));
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options, { providers: [TracedJobs] });
  });

  afterEach(async () => {
    await t.close();
    await db.drop();
    await unregisterTracing(provider);
    rmSync(dir, { recursive: true, force: true });
  });

  const spans = () => exporter.getFinishedSpans().map(spanRecord);

  /** A consumer process recording its spans in `file`; resolves with its summary once it has exited. */
  async function consumerProcess(file: string, options: Record<string, unknown>) {
    const child = await runNode('test/fixtures/traced-consumer.process.ts', {
      env: { ...testDbEnv(db), SPAN_FILE: file, CONSUMER_OPTIONS: JSON.stringify({ pollIntervalMs: 50, ...options }) },
      timeoutMs: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    return JSON.parse(/SUMMARY (.*)/.exec(child.stdout)![1]!);
  }

  it('a three-step pipeline enqueued in a request span is one trace across two consumer processes, the spawned child under its step', async () => {
    let root!: { traceId: string; spanId: string };
    const p = await trace
      .getTracer('test-app')
      .startActiveSpan('GET /videos', { kind: SpanKind.SERVER }, async (span) => {
        root = span.spanContext();
        try {
          return await t.queue.enqueuePipeline(
            pipeline('video')
              .step('prepare', 'trace.cpu', { input: {} })
              .step('render', 'trace.gpu', { input: { spawn: true }, after: 'prepare' })
              .step('publish', 'trace.cpu', { after: 'render' }),
          );
        } finally {
          span.end();
        }
      });
    const file = join(dir, 'spans.jsonl');
    const [cpu, gpu] = await Promise.all([
      consumerProcess(file, { include: ['trace.cpu'], maxJobs: 3 }),
      consumerProcess(file, { include: ['trace.gpu'], maxJobs: 1 }),
    ]);
    expect([cpu.completed, gpu.completed]).toEqual([3, 1]);
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('completed');

    const producer = only(spans(), 'enqueue pipeline video');
    expect(producer).toMatchObject({ kind: SpanKind.PRODUCER, traceId: root.traceId, parentSpanId: root.spanId });
    expect(producer.attributes).toMatchObject({
      'messaging.system': 'nestjs-job-pipelines',
      'messaging.operation.type': 'send',
      'job.pipeline.id': p.id,
      'messaging.batch.message_count': 3,
    });

    const remote = readSpanFile(file);
    // Every span the two processes made is in the request's trace.
    expect(new Set(remote.map((s) => s.traceId))).toEqual(new Set([root.traceId]));
    expect(new Set(remote.map((s) => s.pid)).size).toBe(2);
    const runs = remote.filter((s) => s.kind === SpanKind.CONSUMER);
    const runOf = (step: string) => runs.find((s) => s.attributes['job.pipeline.step'] === step)!;
    const child = done.steps['render[0]']!;
    expect(runs.map((s) => s.attributes['job.pipeline.step']).sort()).toEqual(
      ['prepare', 'publish', 'render', 'render[0]'].sort(),
    );
    for (const step of ['prepare', 'render', 'publish']) {
      const run = runOf(step);
      const job = done.steps[step]!;
      expect(run.name).toBe(`process ${job.name}`);
      expect(run.parentSpanId).toBe(producer.spanId);
      expect(run.status.code).toBe(SpanStatusCode.UNSET);
      expect(run.attributes).toEqual({
        'messaging.system': 'nestjs-job-pipelines',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': 'default',
        'messaging.message.id': job.id,
        'job.name': job.name,
        'job.attempt': 1,
        'job.pipeline.id': p.id,
        'job.pipeline.step': step,
        'job.outcome': 'completed',
      });
    }
    expect(runOf('render').pid).not.toBe(runOf('prepare').pid);
    // The spawned child runs under the step that spawned it, in the other process.
    expect(runOf('render[0]')).toMatchObject({ name: 'process trace.cpu', parentSpanId: runOf('render').spanId });
    expect(runOf('render[0]').attributes['messaging.message.id']).toBe(child.id);
    // The handlers' own spans nest under their runs.
    for (const step of ['prepare', 'render', 'publish', 'render[0]']) {
      expect(only(remote, `work ${step}`).parentSpanId).toBe(runOf(step).spanId);
    }
    // Each step row holds the producer span's context; the child's holds its spawner's run.
    expect(await storedTraceContext(t, done.steps.prepare!.id)).toBe(`00-${root.traceId}-${producer.spanId}-01`);
    expect(await storedTraceContext(t, child.id)).toBe(`00-${root.traceId}-${runOf('render').spanId}-01`);
  });

  it('a failing run has status ERROR and records the exception; its handler-less enqueue is a trace root', async () => {
    const job = await t.queue.enqueue('trace.fail', {});
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, include: ['trace.fail'] });
    expect((await t.queue.get(job.id)).state).toBe('failed');
    const producer = only(spans(), 'enqueue trace.fail');
    expect(producer.parentSpanId).toBeUndefined();
    expect(producer.attributes).toMatchObject({
      'messaging.message.id': job.id,
      'messaging.destination.name': 'default',
    });
    const run = only(spans(), 'process trace.fail');
    expect(run).toMatchObject({ kind: SpanKind.CONSUMER, traceId: producer.traceId, parentSpanId: producer.spanId });
    expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: 'boom' });
    expect(run.attributes).toMatchObject({ 'error.type': 'Error', 'job.outcome': 'failed', 'job.attempt': 1 });
    expect(run.events).toEqual([
      expect.objectContaining({
        name: 'exception',
        attributes: expect.objectContaining({ 'exception.type': 'Error', 'exception.message': 'boom' }),
      }),
    ]);
  });

  it('a span made in the handler nests under the run span, in this process too', async () => {
    const job = await t.queue.enqueue('trace.cpu', {});
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, include: ['trace.cpu'] });
    const run = only(spans(), 'process trace.cpu');
    expect(run.attributes['messaging.message.id']).toBe(job.id);
    expect(only(spans(), 'work trace.cpu')).toMatchObject({ traceId: run.traceId, parentSpanId: run.spanId });
  });

  it('with no SDK registered, no span is made and the trace column stays empty', async () => {
    disableTracing();
    const one = await t.queue.enqueue('trace.cpu', {});
    const [many] = await t.queue.enqueueMany([
      { name: 'trace.cpu', input: {} },
      { name: 'trace.gpu', input: {} },
    ]);
    const p = await t.queue.enqueuePipeline(pipeline('quiet').step('a', 'trace.gpu', { input: { spawn: true } }));
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, include: ['trace.cpu', 'trace.gpu'] });
    const done = await t.queue.getPipeline(p.id);
    expect(done.state).toBe('completed');
    for (const id of [one.id, many!.id, done.steps.a!.id, done.steps['a[0]']!.id]) {
      expect(await storedTraceContext(t, id)).toBeNull();
    }
    // The provider is alive but not registered: it got no span.
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
