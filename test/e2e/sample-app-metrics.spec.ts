/**
 * The sample app's `GET /metrics` (OpenTelemetry's Prometheus exporter on the app's own HTTP server):
 * after signups are enqueued over HTTP and run, it shows the job counters, histograms and gauges.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobConsumer } from '../../lib/index.js';
import { AppModule } from '../../sample-app/app.module.js';
import { registerPrometheusMetrics } from '../../sample-app/telemetry/prometheus.setup.js';
import { createTestDatabase, DB_KINDS } from '../helpers/databases.js';

describe.each(DB_KINDS)('sample app GET /metrics on %s', (kind) => {
  const saved = { DATABASE_URL: process.env.DATABASE_URL, SAMPLE_APP_SQLITE: process.env.SAMPLE_APP_SQLITE };
  let drop: () => Promise<void>;
  let app: INestApplication;

  beforeAll(async () => {
    if (kind === 'sqlite') {
      const file = join(tmpdir(), `sample-metrics-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`);
      Object.assign(process.env, { DATABASE_URL: '', SAMPLE_APP_SQLITE: file });
      drop = async () => {
        for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(file + suffix, { force: true });
      };
    } else {
      const db = await createTestDatabase(kind);
      Object.assign(process.env, { DATABASE_URL: db.options.clientUrl!, SAMPLE_APP_SQLITE: '' });
      drop = () => db.drop();
    }
    registerPrometheusMetrics(); // as main.ts does, before the app
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0);
  });

  afterAll(async () => {
    await app?.close();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await drop?.();
  });

  /** A series' value in the Prometheus text, 0 when absent (the provider lives across this file's databases). */
  const series = (text: string, name: string, labels: string) =>
    Number(new RegExp(`^${name}\\{${labels}\\} ([\\d.]+)$`, 'm').exec(text)?.[1] ?? 0);

  it('shows the job counters after signups are enqueued over HTTP and run', async () => {
    const base = await app.getUrl();
    const metrics = async () => (await fetch(`${base}/metrics`)).text();
    const initial = await metrics();
    for (const email of ['a@example.com', 'b@example.com']) {
      const res = await fetch(`${base}/signups`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      });
      expect(res.status).toBe(201);
    }
    const before = await metrics();
    expect(before).toMatch(
      /^jobs_queue_depth\{messaging_destination_name="default",otel_scope_name="nestjs-job-pipelines"\} 2$/m,
    );

    await app.get(JobConsumer).run({ untilEmpty: true, pollIntervalMs: 20, include: ['mail.welcome'] });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const labels =
      'job_name="mail.welcome",messaging_destination_name="default",otel_scope_name="nestjs-job-pipelines"';
    for (const counter of ['enqueued', 'started', 'completed']) {
      expect(text).toContain(`# TYPE jobs_${counter}_total counter`);
    }
    for (const name of [
      'jobs_enqueued_total',
      'jobs_started_total',
      'jobs_completed_total',
      'jobs_run_duration_count',
      'jobs_wait_duration_count',
    ]) {
      expect([name, series(text, name, labels) - series(initial, name, labels)]).toEqual([name, 2]);
    }
    expect(text).toMatch(
      /^jobs_queue_depth\{messaging_destination_name="default",otel_scope_name="nestjs-job-pipelines"\} 0$/m,
    );
  });
});
