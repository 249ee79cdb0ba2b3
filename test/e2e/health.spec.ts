/**
 * JobsHealthIndicator on every database: up when all is well; the database check down when the
 * database goes away (a private PostgreSQL or MariaDB server stopped, then up once it is back; a
 * SQLite file removed; a MariaDB pool closed); the consumer check in producer-only and consumer
 * processes; the oldest-due check over its threshold. And the sample app's GET /health over HTTP.
 */
import { rm } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { InvalidJobOptionsError, JobsHealthIndicator } from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type DbKind, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, createJobsApp, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { JobStore } from '../../lib/persistence/job.store.js';
import { startOwnPostgres } from '../helpers/own-postgres.js';
import { startOwnMariadb } from '../helpers/own-mariadb.js';
import { killAll, spawnNode, waitUntil } from '../helpers/spawned-process.js';

/** What an app's health controller would hold. */
@Injectable()
class Probe {
  constructor(
    readonly health: HealthCheckService,
    readonly jobs: JobsHealthIndicator,
  ) {}
}

const withTerminus = { imports: [TerminusModule.forRoot({ logger: false })], providers: [Probe] };

describe.each(DB_KINDS)('health on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;
  let probe: Probe;

  beforeEach(async () => {
    ({ db, t } = await openJobsEnv(kind, withTerminus));
    probe = t.app.get(Probe);
  });
  afterEach(() => closeJobsEnv({ db, t }));

  it(`${kind}: every check up through HealthCheckService in a producer-only process`, async () => {
    const result = await probe.health.check([
      () => probe.jobs.pingCheck(),
      () => probe.jobs.consumerCheck(),
      () => probe.jobs.oldestDueJobCheck('jobs_backlog', { maxAgeMs: 60_000 }),
    ]);
    expect(result.status).toBe('ok');
    expect(result.details.jobs_database).toMatchObject({ status: 'up' });
    expect(result.details.jobs_consumer).toEqual({
      status: 'up',
      consumers: 0,
      message: 'not running here: no consumer runs in this process',
    });
    expect(result.details.jobs_backlog).toEqual({ status: 'up', oldestDueAgeMs: null, maxAgeMs: 60_000 });
  });

  it(`${kind}: the consumer check: down when required and none runs, up while one runs`, async () => {
    expect(await probe.jobs.consumerCheck('c', { required: true })).toMatchObject({
      c: { status: 'down', consumers: 0 },
    });
    const run = t.consumer.run({ pollIntervalMs: 50 });
    await waitUntil(() => t.consumer.consumers().length === 1, 'the consumer to start');
    const up = await probe.jobs.consumerCheck('c', { required: true });
    expect(up.c).toMatchObject({ status: 'up', consumers: 1, details: [{ state: 'running', alive: true }] });
    // A loop that has not gone round for longer than allowed is down (waited for, not slept).
    const since = t.consumer.consumers()[0]!.lastTickAt.getTime();
    await waitUntil(() => Date.now() - since > 5, 'a few ms to pass');
    const late = await probe.jobs.consumerCheck('c', { maxTickAgeMs: 0 });
    expect(late.c).toMatchObject({ status: 'down', details: [{ alive: false }] });
    await t.consumer.stop();
    await run;
    expect((await probe.jobs.consumerCheck('c')).c).toMatchObject({ status: 'up', consumers: 0 });
  });

  it(`${kind}: the oldest due job over the threshold is down; within it, or its queue paused, up`, async () => {
    await t.queue.enqueue('test.echo' as never, {} as never, {
      runAfter: new Date(Date.now() - 120_000),
      queue: 'late',
    });
    const over = await probe.jobs.oldestDueJobCheck('backlog', { maxAgeMs: 60_000 });
    expect(over.backlog).toMatchObject({ status: 'down', maxAgeMs: 60_000 });
    expect(over.backlog.oldestDueAgeMs).toBeGreaterThan(60_000);
    expect(over.backlog.message).toMatch(/the oldest due job has waited \d+ ms, more than 60000 ms/);
    await expect(
      probe.health.check([() => probe.jobs.oldestDueJobCheck('backlog', { maxAgeMs: 60_000 })]),
    ).rejects.toThrow(/Service Unavailable/);
    expect((await probe.jobs.oldestDueJobCheck('backlog', { maxAgeMs: 3_600_000 })).backlog.status).toBe('up');
    expect((await probe.jobs.oldestDueJobCheck('b', { maxAgeMs: 60_000, queues: ['other'] })).b).toMatchObject({
      status: 'up',
      oldestDueAgeMs: null,
    });
    await t.queue.pauseQueue('late');
    expect((await probe.jobs.oldestDueJobCheck('backlog', { maxAgeMs: 60_000 })).backlog.status).toBe('up');
  });

  it(`${kind}: the oldest due job is found across priorities, leaving out paused queues, future jobs and other queues`, async () => {
    const ago = (s: number) => new Date(Date.now() - s * 1_000);
    const put = (priority: number, runAfter: Date, queue = 'default') =>
      t.queue.enqueue('test.echo' as never, {} as never, { priority, runAfter, queue });
    await put(9, new Date(Date.now() + 3_600_000)); // not due
    await put(5, ago(10));
    await put(0, ago(300), 'paused');
    await put(0, ago(200));
    await put(0, ago(20));
    await put(-3, ago(100), 'low');
    await t.queue.pauseQueue('paused');
    const age = (queues?: string[]) => t.app.get(JobStore).monitor.oldestDueAgeMs(queues);
    const all = (await age())!;
    expect(all).toBeGreaterThanOrEqual(200_000);
    expect(all).toBeLessThan(300_000);
    const low = (await age(['low']))!;
    expect(low).toBeGreaterThanOrEqual(100_000);
    expect(low).toBeLessThan(200_000);
    expect(await age(['paused'])).toBeNull();
  });

  it(`${kind}: bad options throw InvalidJobOptionsError`, async () => {
    await expect(probe.jobs.oldestDueJobCheck('b', { maxAgeMs: -1 })).rejects.toThrow(InvalidJobOptionsError);
    await expect(probe.jobs.oldestDueJobCheck('b', {} as never)).rejects.toThrow(/'maxAgeMs' must be an integer/);
    await expect(probe.jobs.pingCheck('p', { timeout: 5 } as never)).rejects.toThrow(/unknown option\(s\) 'timeout'/);
  });

  if (kind !== 'postgresql') {
    it(`${kind}: the database check is down once the database is unreachable`, async () => {
      expect((await probe.jobs.pingCheck()).jobs_database.status).toBe('up');
      if (kind === 'sqlite') {
        // The open connection keeps the deleted file open; every other process would open the path.
        for (const suffix of ['', '-wal', '-shm']) await rm(db.options.dbName! + suffix, { force: true });
      } else {
        // The shared MariaDB server stays up (other suites use it): this app's pool goes instead.
        await t.orm.close(true);
      }
      const down = await probe.jobs.pingCheck();
      expect(down.jobs_database).toMatchObject({ status: 'down' });
      expect(String(down.jobs_database.message)).not.toBe('');
    });
  }
});

interface OwnServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** A server of the test's own for each database that has one (stopping the shared one would disturb other suites). */
const OWN_SERVERS: Partial<Record<DbKind, () => Promise<{ server: OwnServer; options: TestDatabase['options'] }>>> = {
  postgresql: async () => {
    const server = await startOwnPostgres();
    await server.query('CREATE DATABASE health_down');
    return { server, options: { dialect: 'postgresql', clientUrl: server.url('health_down') } };
  },
  mariadb: async () => {
    const server = await startOwnMariadb();
    await server.query('CREATE DATABASE health_down');
    return { server, options: { dialect: 'mariadb', clientUrl: server.url('health_down') } };
  },
};

describe.each(DB_KINDS.filter((k) => OWN_SERVERS[k]))('health on %s, a private server', (kind) => {
  let server: OwnServer;
  let options: TestDatabase['options'];

  beforeAll(async () => {
    ({ server, options } = await OWN_SERVERS[kind]!());
  }, 60_000);
  afterAll(() => server?.destroy());

  it(`${kind}: the database check goes down when the server stops, and up when it is back`, async () => {
    const t = await createJobsApp(options, withTerminus);
    try {
      const probe = t.app.get(Probe);
      expect((await probe.jobs.pingCheck()).jobs_database.status).toBe('up');
      await server.stop();
      const down = await probe.jobs.pingCheck('jobs_database', { timeoutMs: 2_000 });
      expect(down.jobs_database).toMatchObject({ status: 'down' });
      await expect(probe.health.check([() => probe.jobs.pingCheck()])).rejects.toThrow(/Service Unavailable/);
      await server.start();
      await waitUntil(async () => (await probe.jobs.pingCheck()).jobs_database.status === 'up', 'the ping to recover');
    } finally {
      await t.close().catch(() => undefined);
    }
  }, 90_000);
});

describe.each(DB_KINDS)('the sample app on %s', (kind: DbKind) => {
  afterEach(() => killAll());

  it(`${kind}: GET /health over HTTP answers 200 with every check up`, async () => {
    const db = await createTestDatabase(kind);
    const env =
      kind === 'sqlite'
        ? { DATABASE_URL: '', SAMPLE_APP_SQLITE: db.options.dbName! }
        : { DATABASE_URL: db.options.clientUrl!, SAMPLE_APP_SQLITE: '' };
    try {
      const app = spawnNode('sample-app/main.ts', { env: { ...env, PORT: '0', NO_COLOR: '1' } });
      const [, url] = await app.waitFor(/listening on (http:\/\/\S+) /, 60_000);
      const res = await fetch(`${url}/health`);
      const body = (await res.json()) as any;
      expect(res.status).toBe(200);
      expect(body.status).toBe('ok');
      expect(Object.keys(body.details).sort()).toEqual(['jobs_backlog', 'jobs_consumer', 'jobs_database']);
      expect(body.details.jobs_consumer.message).toMatch(/not running here/);
    } finally {
      await killAll();
      await db.drop();
    }
  }, 90_000);
});
