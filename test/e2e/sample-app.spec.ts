/**
 * The sample app as users run it, from dist/ (`npm test` compiles first): `npm run demo`'s script on
 * a fresh SQLite file and on a fresh PostgreSQL database, and the consumer entry file with
 * `--exclude` / `--include` flags, stopped by SIGTERM.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobQueue, JobState, type JobRecord } from '../../lib/index.js';
import { AppModule } from '../../sample-app/app.module.js';
import { monthlyReport } from '../../sample-app/reports/report.pipeline.js';
import { compiledPath, REPO_ROOT, runNode } from '../helpers/child-process.js';
import { createTestDatabase, DB_KINDS, type DbKind, type TestDatabase } from '../helpers/databases.js';

const LABELS: Record<DbKind, string> = { postgresql: 'PostgreSQL', sqlite: 'SQLite file', mariadb: 'MariaDB' };

/** The sample app reads its database from the environment: a SQLite file, or DATABASE_URL (PostgreSQL or MariaDB). */
async function sampleAppEnv(kind: DbKind): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (kind !== 'sqlite') {
    const db: TestDatabase = await createTestDatabase(kind);
    return { env: { DATABASE_URL: db.options.clientUrl!, SAMPLE_APP_SQLITE: '' }, drop: () => db.drop() };
  }
  const file = join(tmpdir(), `sample-app-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`);
  return {
    env: { DATABASE_URL: '', SAMPLE_APP_SQLITE: file },
    drop: async () => {
      for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(file + suffix, { force: true });
    },
  };
}

describe.each(DB_KINDS)('sample app on %s', (kind) => {
  it('npm run demo: exits 0 and reports every job finished', async () => {
    const target = await sampleAppEnv(kind);
    try {
      const run = await runNode('sample-app/demo.ts', { env: { ...target.env, NO_COLOR: '1' }, timeoutMs: 45_000 });
      expect(run.stdout).toMatch(/^demo: all 316 jobs finished \(311 completed, 5 failed as expected\) in [\d.]+ s$/m);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`demo: the sample app on ${LABELS[kind]}`);
      expect(run.stdout).toMatch(/20 media\.gpu jobs still pending \(excluded\)/);
      expect(run.stdout).toMatch(/^\s+media\.gpu\s+20\s+20\s+0\s+0\s+0\s+20\s/m);
      expect(run.stdout).toMatch(/^\s+total\s+316\s+311\s+5\s+0\s+0\s/m);
      expect(run.stdout.match(/monthly-report 2026-\d\d: completed, 7\/7 steps/g)).toHaveLength(3);
      expect(run.stdout).toMatch(/CrmUnauthorizedError: CRM refused contact/);
      expect(run.stderr).toMatch(/316\/316 jobs finished/); // the progress line
    } finally {
      await target.drop();
    }
  });

  describe('consumer.ts', () => {
    let target: Awaited<ReturnType<typeof sampleAppEnv>>;
    let app: INestApplicationContext;
    let queue: JobQueue;
    const saved = { DATABASE_URL: process.env.DATABASE_URL, SAMPLE_APP_SQLITE: process.env.SAMPLE_APP_SQLITE };

    beforeAll(async () => {
      target = await sampleAppEnv(kind);
      Object.assign(process.env, target.env);
      app = await NestFactory.createApplicationContext(AppModule, { logger: false });
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

    it('--exclude media.gpu: runs the rest, leaves the GPU jobs pending; --include media.gpu runs them and stops on SIGTERM with exit 0', async () => {
      const welcome = await Promise.all(
        [1, 2, 3].map((i) => queue.enqueue('mail.welcome', { userId: i, email: `u${i}@example.com` })),
      );
      const gpu = await queue.enqueueMany([1, 2].map((i) => ({ name: 'media.gpu', input: { videoId: `v${i}` } })));
      const report = await queue.enqueuePipeline(monthlyReport('2026-11', ['north', 'south']));

      // An ordinary machine: everything but media.gpu, until nothing it may run is left.
      const first = await runNode('sample-app/consumer.ts', {
        args: ['--exclude', 'media.gpu', '--concurrency', '20', '--until-empty'],
        env: { ...target.env, NO_COLOR: '1' },
        timeoutMs: 30_000,
      });
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('excluding media.gpu');
      expect(first.stdout).not.toContain('created the missing tables'); // made by the app above; nothing to change
      for (const job of welcome) expect((await queue.get(job.id)).state).toBe(JobState.Completed);
      const p = await queue.getPipeline(report.id);
      expect(p.state).toBe('completed');
      expect(p.progress).toEqual({ done: 5, total: 5 });
      for (const job of gpu) expect((await queue.get(job.id)).state).toBe(JobState.Pending);

      // The GPU machine: runs until stopped. Arguments quoted as `nest start --no-shell` passes them.
      const gpuConsumer = spawn(
        process.execPath,
        [compiledPath('sample-app/consumer.ts'), '"--include"', '"media.gpu"'],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, ...target.env, NO_COLOR: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      gpuConsumer.stdout.on('data', (d: Buffer) => (output += d.toString()));
      gpuConsumer.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => gpuConsumer.once('close', (code) => resolve(code)));
      try {
        const done: JobRecord[] = await Promise.all(gpu.map((j) => queue.waitFor(j.id, { timeoutMs: 45_000 })));
        expect(done.map((j) => [j.state, j.output])).toEqual([
          [JobState.Completed, { videoId: 'v1', thumbnails: 12 }],
          [JobState.Completed, { videoId: 'v2', thumbnails: 12 }],
        ]);
      } finally {
        gpuConsumer.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
      expect(output).toMatch(/SIGTERM: no new jobs/);
      expect(output).toMatch(/stopped: 2 completed, 0 failed attempts, 0 aborted/);
    }, 150_000); // two consumer processes boot in turn (up to 30 s and 45 s on a loaded machine)
  });
});
