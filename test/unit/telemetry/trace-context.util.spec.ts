import { createTraceState } from '@opentelemetry/api';
import { formatTraceContext, parseTraceContext } from '../../../lib/telemetry/trace-context.util.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';

describe('the stored trace context', () => {
  it('is a W3C traceparent, then a space and the tracestate when there is one, and reads back the same', () => {
    expect(formatTraceContext({ traceId, spanId, traceFlags: 1 })).toBe(`00-${traceId}-${spanId}-01`);
    const state = createTraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    const stored = formatTraceContext({ traceId, spanId, traceFlags: 0, traceState: state });
    expect(stored).toBe(`00-${traceId}-${spanId}-00 congo=t61rcWkgMzE,rojo=00f067aa0ba902b7`);
    expect(parseTraceContext(stored)).toEqual({
      traceId,
      spanId,
      traceFlags: 0,
      traceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
    });
    expect(parseTraceContext(`00-${traceId}-${spanId}-01`)).toEqual({
      traceId,
      spanId,
      traceFlags: 1,
      traceState: undefined,
    });
  });

  it('drops a tracestate over 512 characters, as W3C lets a propagator do', () => {
    // The API's own parser refuses such a state; another TraceState implementation may not.
    const long = { ...createTraceState(), serialize: () => `a=${'x'.repeat(600)}` };
    expect(formatTraceContext({ traceId, spanId, traceFlags: 1, traceState: long })).toBe(`00-${traceId}-${spanId}-01`);
  });

  it('reads nothing from text that is not a version-00 traceparent', () => {
    for (const text of [
      '',
      'garbage',
      `01-${traceId}-${spanId}-01`,
      `00-${traceId}-${spanId}`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
    ]) {
      expect(parseTraceContext(text)).toBeUndefined();
    }
  });
});
