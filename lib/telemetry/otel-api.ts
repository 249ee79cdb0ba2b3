import type * as OtelApi from '@opentelemetry/api';

/**
 * `@opentelemetry/api`, or null where the application does not have it: it is an optional peer
 * dependency. Loaded once, when the library loads. With the API but no SDK registered, its no-op
 * tracer and meter take every call, so nothing is recorded and nothing is written to job rows.
 */
export const otel: typeof OtelApi | null = await import('@opentelemetry/api').then(
  (api) => api,
  (err: { code?: string }) => {
    // Only "not installed" means no telemetry; a broken install should say so.
    if (err?.code === 'ERR_MODULE_NOT_FOUND') return null;
    throw err;
  },
);
