/**
 * The sample app's HTTP side (sample-app/status/status.controller.ts) over real HTTP, on port 0:
 * pausing and resuming a queue (`POST /queues/:queue/pause|resume`, `GET /queues`) and retrying a
 * failed job (`POST /jobs/:id/retry`), with the app's own consumer running the jobs in between.
 * Every one of those endpoints is behind the admin token guard: each is also called without the
 * token and with a wrong one, and must answer 401, show no input or stack, and change nothing.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobConsumer, JobQueue, JobState } from '../../lib/index.js';
import { AppModule } from '../../sample-app/app.module.js';
import { monthlyReport } from '../../sample-app/reports/report.pipeline.js';
import { DB_KINDS } from '../helpers/databases.js';
import { sampleAppTarget, type SampleAppTarget } from '../helpers/sample-app.env.js';

describe.each(DB_KINDS)('sample app HTTP on %s', (kind) => {
  let target: SampleAppTarget;
  let app: INestApplication;
  let queue: JobQueue;
  let base: string;
  const saved = {
    DATABASE_URL: process.env.DATABASE_URL,
    SAMPLE_APP_SQLITE: process.env.SAMPLE_APP_SQLITE,
    JOBS_ADMIN_TOKEN: process.env.JOBS_ADMIN_TOKEN,
  };
  const token = randomBytes(16).toString('hex');

  beforeAll(async () => {
    target = await sampleAppTarget(kind);
    Object.assign(process.env, target.env, { JOBS_ADMIN_TOKEN: token });
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    queue = app.get(JobQueue);
  });

  afterAll(async () => {
    await app?.close();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await target?.drop();
  });

  const call = async (method: 'GET' | 'POST', path: string, authorization = `Bearer ${token}`) => {
    const res = await fetch(base + path, { method, headers: authorization ? { authorization } : {} });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as any, text };
  };
  const drain = () => app.get(JobConsumer).run({ untilEmpty: true, pollIntervalMs: 20, exclude: ['media.gpu'] });

  it('POST /queues/mail/pause holds its jobs (GET /queues shows it paused); /resume lets them run', async () => {
    const mail = await queue.enqueue('mail.welcome', { userId: 1, email: 'u1@example.com' }, { queue: 'mail' });
    const other = await queue.enqueue('mail.welcome', { userId: 2, email: 'u2@example.com' });

    const paused = await call('POST', '/queues/mail/pause');
    expect(paused.status).toBe(201);
    expect(paused.body.mail).toMatchObject({ paused: true });
    expect((await call('GET', '/queues')).body.mail).toMatchObject({ paused: true });

    await drain();
    expect((await call('GET', `/jobs/${mail.id}`)).body.state).toBe(JobState.Pending); // held by the pause
    expect((await call('GET', `/jobs/${other.id}`)).body.state).toBe(JobState.Completed); // other queues run

    const resumed = await call('POST', '/queues/mail/resume');
    expect(resumed.status).toBe(201);
    expect(resumed.body.mail?.paused ?? false).toBe(false);
    await drain();
    expect((await call('GET', `/jobs/${mail.id}`)).body.state).toBe(JobState.Completed);

    // A bad queue name is the caller's mistake: 400, nothing paused.
    const bad = await call('POST', `/queues/${'q'.repeat(65)}/pause`);
    expect(bad.status).toBe(400);
    expect(Object.values((await call('GET', '/queues')).body).some((d: any) => d.paused)).toBe(false);
  }, 60_000);

  it('POST /jobs/:id/retry runs a failed job again with its history kept; 409 for a job that is not finished, 404 for none', async () => {
    const job = await queue.enqueue('crm.sync', { contactId: 'c-1' });
    await drain();
    const failed = (await call('GET', `/jobs/${job.id}`)).body;
    expect(failed.state).toBe(JobState.Failed);
    expect(failed.attempts).toBe(2);

    const retried = await call('POST', `/jobs/${job.id}/retry`);
    expect(retried.status).toBe(201);
    const again = (await call('GET', `/jobs/${job.id}`)).body;
    expect(again.state).toBe(JobState.Pending);
    expect(again.attempts).toBe(0);
    expect(again.attemptLog.map((e: { outcome: string }) => e.outcome)).toContain('retried');

    expect((await call('POST', `/jobs/${job.id}/retry`)).status).toBe(409); // pending: nothing to retry
    expect((await call('POST', '/jobs/999999999/retry')).status).toBe(404);

    await drain();
    expect((await call('GET', `/jobs/${job.id}`)).body).toMatchObject({ state: JobState.Failed, attempts: 2 });
  }, 60_000);

  it('refuses every endpoint without the admin token or with a wrong one (401, no input or stack, nothing changed)', async () => {
    const job = await queue.enqueue('crm.sync', { contactId: 'c-secret' });
    await drain();
    const before = await queue.get(job.id);
    expect(before.state).toBe(JobState.Failed);
    const pipeline = await queue.enqueuePipeline(monthlyReport('2026-11', ['north']));

    const endpoints: Array<['GET' | 'POST', string]> = [
      ['GET', `/jobs/${job.id}`],
      ['POST', `/jobs/${job.id}/retry`],
      ['GET', `/pipelines/${pipeline.id}`],
      ['GET', '/queues'],
      ['POST', '/queues/mail/pause'],
      ['POST', '/queues/mail/resume'],
    ];
    const wrong = ['', `Bearer ${token}x`, token, 'Bearer ', `Basic ${token}`];
    for (const [method, path] of endpoints) {
      for (const authorization of wrong) {
        const refused = await call(method, path, authorization);
        expect({ method, path, authorization, status: refused.status }).toEqual({
          method,
          path,
          authorization,
          status: 401,
        });
        expect(refused.text).not.toContain('c-secret');
        expect(refused.text).not.toContain('CRM_API_TOKEN');
      }
    }
    // While JOBS_ADMIN_TOKEN is unset, even the old token is refused.
    delete process.env.JOBS_ADMIN_TOKEN;
    try {
      for (const [method, path] of endpoints) expect((await call(method, path)).status).toBe(401);
    } finally {
      process.env.JOBS_ADMIN_TOKEN = token;
    }

    const after = await queue.get(job.id);
    expect(after.state).toBe(JobState.Failed);
    expect(after.attemptLog).toEqual(before.attemptLog);
    expect(await queue.pausedQueues()).toEqual([]);
  }, 60_000);
});
