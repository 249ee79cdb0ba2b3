import type { Attributes, Context, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import type { JobErrorInfo } from '../interfaces/job-context.js';
import type { ClaimedJob } from '../persistence/store.types.js';
import { otel } from './otel-api.js';
import { JobTelemetry } from './telemetry.constants.js';
import { formatTraceContext, parseTraceContext } from './trace-context.util.js';

/**
 * Traces: an enqueue is a PRODUCER span whose context is stored on each job it writes; a run is a
 * CONSUMER span, child of that stored context, and the handler runs in its context. A pipeline's
 * steps all store the pipeline's producer span, and children spawned by a step store the step's run
 * span, so a pipeline is one trace. Without an SDK registered no span is even started:
 * nothing is recorded or stored, and no attributes are built.
 */

const A = JobTelemetry.attributes;

/** The API's no-op provider: what the global provider delegates to while no SDK is registered. */
const NOOP_PROVIDER = otel ? new otel.ProxyTracerProvider().getDelegate() : undefined;

let current: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * The tracer of the provider the app has registered now, or undefined without one: then no span
 * is even started (no per-job object). Looked up on each use rather than kept: the API's proxy
 * tracer binds to the first provider it sees and would keep it after the app registers another.
 */
function activeTracer(): Tracer | undefined {
  if (!otel) return undefined;
  const global = otel.trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
  const provider = global.getDelegate ? global.getDelegate() : global;
  if (provider === NOOP_PROVIDER) return undefined;
  if (current?.provider !== provider) current = { provider, tracer: provider.getTracer(JobTelemetry.scope) };
  return current.tracer;
}

/**
 * Runs an enqueue in a PRODUCER span named `name()`, active while `fn` runs (so `stampTraceContext`
 * finds it). `name` is asked only when a tracer provider is registered, `describe` (the span's
 * attributes, from the result) only while the span records.
 */
export async function inProducerSpan<T>(
  name: () => string,
  fn: () => Promise<T>,
  describe: (result: T) => Attributes,
): Promise<T> {
  const tracer = activeTracer();
  if (!otel || !tracer) return fn();
  const span = tracer.startSpan(name(), { kind: otel.SpanKind.PRODUCER });
  if (!span.isRecording()) {
    span.end();
    return fn();
  }
  span.setAttributes({ [A.system]: JobTelemetry.scope, [A.operationType]: 'send', [A.operationName]: 'enqueue' });
  try {
    const result = await otel.context.with(otel.trace.setSpan(otel.context.active(), span), fn);
    span.setAttributes(describe(result));
    return result;
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: otel.SpanStatusCode.ERROR, message: (err as Error)?.message });
    throw err;
  } finally {
    span.end();
  }
}

/** The producer span's name for jobs enqueued together: `enqueue <job name>`, or `enqueue batch` for several names. */
export function enqueueSpanName(items: readonly { name: string }[]): string {
  const name = items[0]!.name;
  return `enqueue ${items.every((i) => i.name === name) ? name : 'batch'}`;
}

/** The attributes of an enqueue's producer span, from the jobs it wrote. */
export function enqueueAttributes(jobs: readonly { id: string; name: string; queue: string }[]): Attributes {
  const one = jobs.length === 1 ? jobs[0] : undefined;
  const queue = jobs[0]?.queue;
  return {
    ...(jobs.every((j) => j.queue === queue) && queue !== undefined ? { [A.destination]: queue } : {}),
    ...(one ? { [A.messageId]: one.id, [A.jobName]: one.name } : { [A.batchCount]: jobs.length }),
  };
}

/**
 * Stores the active span's context on rows about to be inserted (an enqueue's producer span, or
 * the run span of a step spawning children). Nothing when no span records: rows stay lean.
 */
export function stampTraceContext(rows: { trace_context: string | null }[]): void {
  const span = otel?.trace.getActiveSpan();
  if (!span?.isRecording()) return;
  const stored = formatTraceContext(span.spanContext());
  for (const row of rows) row.trace_context = stored;
}

/** A run's CONSUMER span and the context its handler runs in. */
export interface RunTrace {
  span: Span;
  context: Context;
}

/**
 * Starts the CONSUMER span of a job's attempt, child of the context stored when it was enqueued
 * (a new trace when none was); undefined when there is no span to run in (no SDK, nothing stored).
 */
export function startRunSpan(job: ClaimedJob): RunTrace | undefined {
  const tracer = activeTracer();
  if (!otel || !tracer) return undefined;
  const stored = job.traceContext == null ? undefined : parseTraceContext(job.traceContext);
  const parent = stored
    ? otel.trace.setSpanContext(otel.ROOT_CONTEXT, {
        traceId: stored.traceId,
        spanId: stored.spanId,
        traceFlags: stored.traceFlags,
        isRemote: true,
        traceState: stored.traceState ? otel.createTraceState(stored.traceState) : undefined,
      })
    : otel.ROOT_CONTEXT;
  const span = tracer.startSpan(`process ${job.name}`, { kind: otel.SpanKind.CONSUMER }, parent);
  // A span that does not record but carries a sampled-out parent still goes on to the handler's spans.
  if (!otel.isSpanContextValid(span.spanContext())) return undefined;
  if (span.isRecording()) {
    span.setAttributes({
      [A.system]: JobTelemetry.scope,
      [A.operationType]: 'process',
      [A.operationName]: 'process',
      [A.destination]: job.queue,
      [A.messageId]: job.id,
      [A.jobName]: job.name,
      [A.attempt]: job.attempts,
      ...(job.pipelineId ? { [A.pipelineId]: job.pipelineId, [A.step]: job.step ?? '' } : {}),
    });
  }
  return { span, context: otel.trace.setSpan(parent, span) };
}

/** Runs `fn` with the run span active, so spans made by the handler's own code nest under it. */
export function inRunContext<T>(run: RunTrace, fn: () => T): T {
  return otel!.context.with(run.context, fn);
}

/** Ends a run span: `failed` and `aborted` set status ERROR and record the error as an exception. */
export function endRunSpan(
  run: RunTrace,
  outcome: { kind: 'completed' | 'snoozed' } | { kind: 'failed' | 'aborted'; error: JobErrorInfo },
): void {
  const { span } = run;
  if (span.isRecording()) {
    span.setAttribute(A.outcome, outcome.kind);
    if (outcome.kind === 'failed' || outcome.kind === 'aborted') {
      span.recordException(outcome.error);
      span.setAttribute(A.errorType, outcome.error.name);
      span.setStatus({ code: otel!.SpanStatusCode.ERROR, message: outcome.error.message });
    }
  }
  span.end();
}
