/**
 * The consumer side of the sample app: an application context (no HTTP server) that runs jobs.
 *
 *   npx nest start --entryFile consumer -- --exclude media.gpu --concurrency 20
 *   node dist/sample-app/consumer.js --include media.gpu      # the GPU machine
 *   node dist/sample-app/consumer.js --until-empty            # run what is due, then exit
 *
 * Flags: README, "Consumers". SIGINT/SIGTERM stop it gracefully (exit code 0). METRICS_PORT=9464
 * serves its metrics (the attempts it runs) for Prometheus at `GET :9464/metrics`.
 */
import 'reflect-metadata';
import { runConsumerCli } from '../lib/index.js';
import { AppModule } from './app.module.js';
import { servePrometheusMetrics } from './telemetry/prometheus.setup.js';

if (process.env.METRICS_PORT) servePrometheusMetrics(Number(process.env.METRICS_PORT));

await runConsumerCli(AppModule, { concurrency: 20 });
