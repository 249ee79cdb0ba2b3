/**
 * A real HTTP Nest application with the operations console mounted, on a fresh test database:
 * MikroOrmModule + JobsModule + JobsAdminModule + handlers, listening on port 0, and a small fetch
 * client for its API.
 */
import 'reflect-metadata';
import {
  Injectable,
  Module,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  type Provider,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MikroORM } from '@mikro-orm/core';
import { JobConsumer, JobQueue, JobsAdminModule, JobsModule, type JobsAdminOptions } from '../../lib/index.js';
import { FixtureJobs } from '../fixtures/fixture-jobs.js';
import { createTestDatabase, type DbKind, type TestDatabase } from './databases.js';
import { jobRowsBesidesLeases } from './job-rows.js';
import { mikroOrmOptions } from './jobs-app.js';

/** The token the test guard accepts. */
export const GOOD_TOKEN = 'let-me-in';

/** The test app's guard: `Authorization: Bearer let-me-in`, else false (the console answers 403). */
@Injectable()
export class TestAdminGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    return request.headers.authorization === `Bearer ${GOOD_TOKEN}`;
  }
}

/** An action guard for tests: only requests with `X-Role: admin` may act. */
@Injectable()
export class TestActionGuard implements CanActivate {
  canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    return Promise.resolve(request.headers['x-role'] === 'admin');
  }
}

export interface AdminTestApp {
  db: TestDatabase;
  app: INestApplication;
  queue: JobQueue;
  consumer: JobConsumer;
  orm: MikroORM<any, any, any>;
  /** `http://127.0.0.1:<port>/<path>/api` */
  api: string;
  close(): Promise<void>;
}

export async function openAdminApp(
  kind: DbKind,
  admin: JobsAdminOptions = { guard: TestAdminGuard },
  providers: Provider[] = [],
): Promise<AdminTestApp> {
  const db = await createTestDatabase(kind);
  try {
    @Module({
      imports: [
        MikroOrmModule.forRoot(mikroOrmOptions(db.options)),
        JobsModule.forRoot(),
        JobsAdminModule.forRoot(admin),
      ],
      providers: [FixtureJobs, ...providers],
    })
    class AdminTestModule {}

    // 'fatal' only: refused requests are the point of many tests, and Nest logs each 500 it answers.
    const app = await NestFactory.create(AdminTestModule, { logger: ['fatal'] });
    const orm = app.get(MikroORM);
    await orm.schema.create();
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const path = (admin.path ?? 'jobs-admin').replace(/^\/+|\/+$/g, '');
    return {
      db,
      app,
      orm,
      queue: app.get(JobQueue),
      consumer: app.get(JobConsumer),
      api: `${url}/${path}/api`,
      close: async () => {
        await app.close();
        await db.drop();
      },
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

export interface ApiAnswer {
  status: number;
  body: any;
  text: string;
}

/** Headers of an authorised action: the token and `X-Jobs-Admin: 1`. */
export const ACT = { authorization: `Bearer ${GOOD_TOKEN}`, 'x-jobs-admin': '1' };
/** Headers of an authorised read. */
export const READ = { authorization: `Bearer ${GOOD_TOKEN}` };

/** One request to the console's API (`path` after `/api`); JSON in, JSON (or text) out. */
export async function call(
  api: string,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string> = method === 'GET' ? READ : ACT,
  body?: unknown,
): Promise<ApiAnswer> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

/** Every row of the jobs table (leases aside) and of queue_control, to show a refused request changed nothing. */
export async function snapshot(orm: MikroORM<any, any, any>): Promise<unknown> {
  return {
    jobs: await jobRowsBesidesLeases(orm),
    control: await orm.em.fork().getConnection().execute('select queue, paused from queue_control order by queue'),
  };
}

/** Polls `ok` until it holds (no fixed sleeps in the assertions: a wait on state). */
export async function waitUntil(ok: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await ok())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
