/**
 * The sample app's operations console at /jobs-admin/api/, behind its token guard: only
 * `Authorization: Bearer <JOBS_ADMIN_TOKEN>` gets in, and nothing does while the variable is unset.
 * The real AppModule over a real HTTP server (port 0), on every database.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobQueue } from '../../lib/index.js';
import { AppModule } from '../../sample-app/app.module.js';
import { DB_KINDS } from '../helpers/databases.js';
import { sampleAppTarget, type SampleAppTarget } from '../helpers/sample-app.env.js';

describe.each(DB_KINDS)('sample app console guard on %s', (kind) => {
  const saved = {
    DATABASE_URL: process.env.DATABASE_URL,
    SAMPLE_APP_SQLITE: process.env.SAMPLE_APP_SQLITE,
    JOBS_ADMIN_TOKEN: process.env.JOBS_ADMIN_TOKEN,
  };
  let target: SampleAppTarget;
  let app: INestApplication;
  let api: string;

  beforeAll(async () => {
    target = await sampleAppTarget(kind);
    Object.assign(process.env, target.env);
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    api = `${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/jobs-admin/api`;
  });

  afterAll(async () => {
    await app?.close();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await target?.drop();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${api}${path}`, { headers });

  it('lets in only Bearer JOBS_ADMIN_TOKEN, and refuses everyone while it is unset', async () => {
    const job = await app.get(JobQueue).enqueue('mail.welcome', { userId: 1, email: 'secret@example.com' });
    const token = randomBytes(16).toString('hex');
    process.env.JOBS_ADMIN_TOKEN = token;
    const ok = await get(`/jobs/${job.id}`, { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: job.id, input: { email: 'secret@example.com' } });
    expect((await get('/queues', { authorization: `Bearer ${token}` })).status).toBe(200);

    for (const headers of [
      {} as Record<string, string>,
      { authorization: `Bearer ${token}x` },
      { authorization: token },
      { authorization: 'Bearer ' },
    ]) {
      const refused = await get(`/jobs/${job.id}`, headers);
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('secret@example.com');
    }
    const action = await fetch(`${api}/queues/mail/pause`, { method: 'POST', headers: { 'x-jobs-admin': '1' } });
    expect(action.status).toBe(401);

    for (const unset of [undefined, '']) {
      if (unset === undefined) delete process.env.JOBS_ADMIN_TOKEN;
      else process.env.JOBS_ADMIN_TOKEN = unset;
      for (const headers of [
        {} as Record<string, string>,
        { authorization: 'Bearer ' },
        { authorization: `Bearer ${token}` },
        { authorization: 'Bearer undefined' },
      ]) {
        expect((await get('/queues', headers)).status).toBe(401);
      }
    }
    expect(await app.get(JobQueue).pausedQueues()).toEqual([]);
  });
});
