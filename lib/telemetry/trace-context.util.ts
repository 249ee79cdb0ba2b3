import type { SpanContext } from '@opentelemetry/api';

/**
 * A span context as the queue stores it in `queue_job.trace_context`: the W3C `traceparent`, then
 * a space and the `tracestate` when there is one. A `traceparent` never holds a space, so the first
 * one splits them. Written and read here, not through the app's propagator: the stored form stays
 * W3C whichever propagator the app registers, or none.
 */

/** W3C lets a propagator drop a `tracestate` longer than this. */
const MAX_TRACESTATE = 512;

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

export function formatTraceContext(span: SpanContext): string {
  const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
  const parent = `00-${span.traceId}-${span.spanId}-${flags}`;
  const state = span.traceState?.serialize();
  return state && state.length <= MAX_TRACESTATE ? `${parent} ${state}` : parent;
}

/** The stored context's parts, or undefined for text that is not a version-00 `traceparent`. */
export function parseTraceContext(
  text: string,
): { traceId: string; spanId: string; traceFlags: number; traceState?: string } | undefined {
  const space = text.indexOf(' ');
  const match = TRACEPARENT.exec(space < 0 ? text : text.slice(0, space));
  if (!match) return undefined;
  return {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: parseInt(match[3]!, 16),
    traceState: space < 0 ? undefined : text.slice(space + 1),
  };
}
