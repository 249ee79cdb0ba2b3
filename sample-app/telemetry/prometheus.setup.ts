import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/**
 * This process's metrics in the Prometheus text format. No server of its own (`preventServerStart`):
 * `MetricsController` serves it at `GET /metrics` on the app's HTTP server.
 */
export const prometheus = new PrometheusExporter({ preventServerStart: true });

let registered: MeterProvider | undefined;

/**
 * Registers the OpenTelemetry metrics SDK, read by `prometheus`, as the global meter provider. Call
 * it before the Nest app is created: the queue's gauges register on the provider there is at bootstrap.
 */
export function registerPrometheusMetrics(): MeterProvider {
  if (!registered) {
    registered = new MeterProvider({ readers: [prometheus] });
    metrics.setGlobalMeterProvider(registered);
  }
  return registered;
}

/**
 * For a process without an HTTP server (`consumer.ts`): its metrics at `GET :<port>/metrics`, on the
 * exporter's own server. Call it before the Nest app is created, as `registerPrometheusMetrics`.
 */
export function servePrometheusMetrics(port: number): MeterProvider {
  const provider = new MeterProvider({ readers: [new PrometheusExporter({ port })] });
  metrics.setGlobalMeterProvider(provider);
  return provider;
}
