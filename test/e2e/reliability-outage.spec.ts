import { QueueUnavailableError } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import type { JobsTestApp } from '../helpers/jobs-app.js';
import { startOwnPostgres, type OwnPostgres } from '../helpers/own-postgres.js';
import { countJobs, createReliabilityApp, startConsumer } from '../helpers/reliability.util.js';
import { killAll, waitUntil, type NodeChild } from '../helpers/spawned-process.js';

/**
 * Database outages on PostgreSQL (a server of the test's own, so restarting it disturbs nobody):
 * a restart mid-run and connections terminated with pg_terminate_backend. Consumers survive,
 * nothing is lost, everything is done within 30 s of the database being back; enqueue during the
 * outage fails fast with QueueUnavailableError and writes nothing.
 */
const onPostgres = DB_KINDS.includes('postgresql') ? describe : describe.skip;

onPostgres('database outages on postgresql', () => {
  let server: OwnPostgres;
  let db: TestDatabase;
  let t: JobsTestApp;
  let n = 0;
  const jobs = { leaseMs: 3_000, heartbeatMs: 300 };

  beforeAll(async () => {
    server = await startOwnPostgres();
  }, 60_000);

  afterAll(async () => {
    await server?.destroy();
  });

  beforeEach(async () => {
    const name = `outage_${++n}`;
    await server.query(`CREATE DATABASE ${name}`);
    db = {
      kind: 'postgresql',
      options: { dialect: 'postgresql', clientUrl: server.url(name) },
      drop: async () => void (await server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
    };
    t = await createReliabilityApp(db);
  });

  afterEach(async () => {
    await killAll();
    await t.close();
    await db.drop();
  });

  /** Retries while the parent's own pool is still reconnecting. */
  const count = (where: string) => countJobs(t.orm, where).catch(() => -1);
  const total = 400;

  async function startRun(): Promise<NodeChild[]> {
    await t.queue.enqueueMany(
      Array.from({ length: total }, (_, i) => ({ name: 'rel.watch', input: { ms: 20 + (i % 5) * 10 } })),
    );
    const consumers = await Promise.all(
      [1, 2].map((i) => startConsumer(db, { jobs, name: `c${i}`, consumer: { concurrency: 4, pollIntervalMs: 200 } })),
    );
    await waitUntil(async () => (await count(`state = 'completed'`)) >= 80, 'the run to get going');
    return consumers.map((c) => c.child);
  }

  async function expectAllDone(children: NodeChild[], backAt: number) {
    await waitUntil(
      async () => (await count(`state = 'completed'`)) === total,
      `all ${total} jobs completed`,
      30_000,
      200,
    );
    const ms = Date.now() - backAt;
    process.stdout.write(`outage: all ${total} jobs completed ${ms} ms after the database was back\n`);
    expect(ms).toBeLessThan(30_000);
    expect(await count(`state <> 'completed'`)).toBe(0);
    expect(await count('true')).toBe(total); // nothing extra was written
    for (const c of children) expect(c.alive).toBe(true);
  }

  it('survives a PostgreSQL restart mid-run; enqueue during the outage fails fast and writes nothing', async () => {
    const children = await startRun();
    expect(await count(`state <> 'completed'`)).toBeGreaterThan(0); // the outage comes mid-run
    await server.stop();
    const tried = Date.now();
    await expect(t.queue.enqueue('test.echo', { during: 'outage' })).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(Date.now() - tried).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 2_000)); // the outage
    await server.start();
    const backAt = Date.now();
    await expectAllDone(children, backAt);
    for (const c of children) expect(c.output).toMatch(/failed|unreachable|terminat|ECONNREFUSED/i); // they did notice
  }, 90_000);

  it('survives connections terminated with pg_terminate_backend', async () => {
    const children = await startRun();
    expect(await count(`state <> 'completed'`)).toBeGreaterThan(0); // the connections die mid-run
    let terminated = 0;
    for (let i = 0; i < 3; i++) {
      const rows = await server.query(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [new URL(db.options.clientUrl!).pathname.slice(1)],
      );
      terminated += rows.length;
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(terminated).toBeGreaterThan(3);
    await expectAllDone(children, Date.now());
  }, 90_000);
});
