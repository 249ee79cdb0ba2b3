/**
 * OpenTelemetry SDKs for the telemetry tests, registered the way an app registers them: a tracer
 * provider (with the async-hooks context manager) whose spans go to a given exporter, a meter
 * provider read on demand. Spans can be written as JSON lines to a file, so that child consumer
 * processes report theirs to the test.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { context, metrics, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { SimpleSpanProcessor, TracerProvider, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

export function registerTracing(exporter: SpanExporter): TracerProvider {
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return provider;
}

/** Back to no SDK at all: the API's no-op tracer and context manager. */
export function disableTracing(): void {
  trace.disable();
  context.disable();
}

export async function unregisterTracing(provider: TracerProvider): Promise<void> {
  disableTracing();
  await provider.shutdown();
}

/** A finished span as plain JSON, with the process that made it. */
export interface SpanRecord {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Attributes;
  status: { code: number; message?: string };
  events: { name: string; attributes?: Attributes }[];
  pid: number;
}

export function spanRecord(span: ReadableSpan): SpanRecord {
  const { traceId, spanId } = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: span.attributes,
    status: span.status,
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
    pid: process.pid,
  };
}

/** Appends each finished span to `file` as one JSON line. */
export class JsonLinesSpanExporter implements SpanExporter {
  constructor(private readonly file: string) {}

  export(spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    appendFileSync(this.file, spans.map((s) => `${JSON.stringify(spanRecord(s))}\n`).join(''));
    done({ code: 0 }); // ExportResultCode.SUCCESS
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export function readSpanFile(file: string): SpanRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SpanRecord);
}

/** A reader that exports nothing: the test collects when it wants to look. */
class TestMetricReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One data point: a counter's or gauge's value, or a histogram's count and sum. */
export interface MetricPoint {
  name: string;
  unit: string;
  attributes: Attributes;
  value: number;
  count?: number;
}

export function registerMetrics(): { provider: MeterProvider; collect: () => Promise<MetricPoint[]> } {
  const reader = new TestMetricReader();
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  const collect = async () => {
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length) throw errors[0];
    return resourceMetrics.scopeMetrics.flatMap((s) =>
      s.metrics.flatMap((m) =>
        m.dataPoints.map((p): MetricPoint => {
          const histogram = m.dataPointType === DataPointType.HISTOGRAM;
          const v = p.value as number | { count: number; sum?: number };
          return {
            name: m.descriptor.name,
            unit: m.descriptor.unit,
            attributes: p.attributes,
            value: histogram ? ((v as { sum?: number }).sum ?? 0) : (v as number),
            count: histogram ? (v as { count: number }).count : undefined,
          };
        }),
      ),
    );
  };
  return { provider, collect };
}

export async function unregisterMetrics(provider: MeterProvider): Promise<void> {
  await provider.shutdown();
  metrics.disable();
}
