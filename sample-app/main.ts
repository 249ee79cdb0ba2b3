/**
 * The HTTP side of the sample app (the producer): `npm start` (nest start), or after a build
 * `node dist/sample-app/main.js`. PORT (default 3000), DATABASE_URL or SAMPLE_APP_SQLITE; JOBS_ADMIN_TOKEN
 * opens the operations console at /jobs-admin/ to requests that carry it (`Authorization: Bearer <token>`).
 * It enqueues and shows jobs; `consumer.ts` runs them. `GET /metrics`: the queue's metrics for Prometheus.
 * SAMPLE_APP_CONSUMER=1 also runs a consumer in this process (every job but `media.gpu`): one process
 * for a small deployment, and `/metrics` then shows the attempts it ran too (started, completed, failed).
 */
import 'reflect-metadata';
import { Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobConsumer } from '../lib/index.js';
import { AppModule } from './app.module.js';
import { describeDatabase } from './database/orm.config.js';
import { GPU_JOB } from './media/media.types.js';
import { registerPrometheusMetrics } from './telemetry/prometheus.setup.js';

// Before the app: the queue's gauges register on the meter provider there is at bootstrap.
registerPrometheusMetrics();
const app = await NestFactory.create(AppModule);
app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }));
app.enableShutdownHooks();
const port = Number(process.env.PORT ?? 3000);
await app.listen(port);
// The address it really got (PORT=0 picks a free port).
const address = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
const logger = new Logger('SampleApp');
logger.log(`listening on ${address} (${describeDatabase()}); probes: GET /health`);
if (process.env.SAMPLE_APP_CONSUMER === '1') {
  // Not awaited: it runs until the app closes (SIGTERM, SIGINT), whose shutdown stops it gracefully.
  app
    .get(JobConsumer)
    .run({ exclude: [GPU_JOB], concurrency: 10 })
    .catch((err: Error) => logger.error(`the in-process consumer stopped: ${err.message}`));
}
