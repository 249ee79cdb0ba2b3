// The README's "Operations console" lines in the quick start's app (pack-check.sh put them in
// app.module.ts, beside the README's admin.guard.ts): the console answers holders of JOBS_ADMIN_TOKEN
// only, and nobody while the variable is unset. Its default path, /jobs-admin/.
import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const dialect = process.env.PACK_DB === 'postgresql' ? 'postgresql' : 'sqlite';
const token = 'pack-check-token';
process.env.JOBS_ADMIN_TOKEN = token;
const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
await app.listen(0, '127.0.0.1');
const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/jobs-admin/api/queues`;
const status = async (authorization?: string) =>
  (await fetch(url, { headers: authorization ? { authorization } : {} })).status;

try {
  const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(ok.status, 200, `with the token: ${ok.status} ${await ok.clone().text()}`);
  assert.ok(
    Array.isArray(((await ok.json()) as { queues: unknown }).queues),
    'GET /api/queues gives { queues: [...] }',
  );
  for (const wrong of [undefined, `Bearer ${token}x`, token, 'Bearer ']) {
    assert.equal(await status(wrong), 403, `authorization ${JSON.stringify(wrong)} should be refused`);
  }
  delete process.env.JOBS_ADMIN_TOKEN;
  assert.equal(await status(`Bearer ${token}`), 403, 'refused while JOBS_ADMIN_TOKEN is unset');
  assert.equal(await status('Bearer undefined'), 403, 'refused while JOBS_ADMIN_TOKEN is unset');
} finally {
  await app.close();
}
process.stdout.write(
  `pack-check ${dialect}: README console lines: /jobs-admin/api/queues 200 with the token, 403 without\n`,
);
