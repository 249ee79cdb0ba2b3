import { QueueUnavailableError } from '../../lib/index.js';
import { DB_KINDS, type DbKind, type TestDatabase } from '../helpers/databases.js';
import type { JobsTestApp } from '../helpers/jobs-app.js';
import { startOwnMariadb } from '../helpers/own-mariadb.js';
import { startOwnPostgres } from '../helpers/own-postgres.js';
import { countJobs, createReliabilityApp, startConsumer } from '../helpers/reliability.util.js';
import { killAll, waitUntil, type NodeChild } from '../helpers/spawned-process.js';

/**
 * Database outages on the servers that can have one (SQLite has no server), each on a server of the
 * test's own so that restarting it disturbs nobody: a restart mid-run, and connections killed from
 * another connection (PostgreSQL's pg_terminate_backend, MariaDB's KILL CONNECTION). Consumers
 * survive, nothing is lost, everything is done within 30 s of the database being back; enqueue
 * during the outage fails fast with QueueUnavailableError and writes nothing.
 */
interface OutageServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
  createDatabase(name: string): Promise<TestDatabase>;
  /** Kills every connection to database `name` from another connection; how many it killed. */
  killConnections(name: string): Promise<number>;
}

const SERVERS: Partial<Record<DbKind, { kill: string; start(): Promise<OutageServer> }>> = {
  postgresql: {
    kill: 'pg_terminate_backend',
    async start() {
      const server = await startOwnPostgres();
      return {
        start: () => server.start(),
        stop: () => server.stop(),
        destroy: () => server.destroy(),
        async createDatabase(name) {
          await server.query(`CREATE DATABASE ${name}`);
          return {
            kind: 'postgresql',
            options: { dialect: 'postgresql', clientUrl: server.url(name) },
            drop: async () => void (await server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
          };
        },
        async killConnections(name) {
          const rows = await server.query(
            `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
            [name],
          );
          return rows.filter((r: { ok: boolean }) => r.ok).length;
        },
      };
    },
  },
  mariadb: {
    kill: 'KILL CONNECTION',
    async start() {
      const server = await startOwnMariadb();
      return {
        start: () => server.start(),
        stop: () => server.stop(),
        destroy: () => server.destroy(),
        async createDatabase(name) {
          await server.query(`CREATE DATABASE \`${name}\``);
          return {
            kind: 'mariadb',
            options: { dialect: 'mariadb', clientUrl: server.url(name) },
            drop: async () => void (await server.query(`DROP DATABASE IF EXISTS \`${name}\``)),
          };
        },
        async killConnections(name) {
          const rows = await server.query(
            'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()',
            [name],
          );
          let killed = 0;
          for (const { id } of rows as { id: number }[]) {
            // A connection may have closed since the list was read (MariaDB: unknown thread id).
            await server.query(`KILL CONNECTION ${Number(id)}`).then(
              () => (killed += 1),
              () => undefined,
            );
          }
          return killed;
        },
      };
    },
  },
};

describe.each(DB_KINDS.filter((k) => SERVERS[k]))('database outages on %s', (kind) => {
  const how = SERVERS[kind]!;
  let server: OutageServer;
  let db: TestDatabase;
  let t: JobsTestApp;
  let n = 0;
  const jobs = { leaseMs: 3_000, heartbeatMs: 300 };

  beforeAll(async () => {
    server = await how.start();
  }, 60_000);

  afterAll(async () => {
    await server?.destroy();
  });

  beforeEach(async () => {
    db = await server.createDatabase(`outage_${++n}`);
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
    process.stdout.write(`outage on ${kind}: all ${total} jobs completed ${ms} ms after the database was back\n`);
    expect(ms).toBeLessThan(30_000);
    expect(await count(`state <> 'completed'`)).toBe(0);
    expect(await count('1 = 1')).toBe(total); // nothing extra was written
    for (const c of children) expect(c.alive).toBe(true);
  }

  it(`survives a ${kind} server restart mid-run; enqueue during the outage fails fast and writes nothing`, async () => {
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
  }, 180_000);

  it(`survives connections killed with ${how.kill}`, async () => {
    const children = await startRun();
    expect(await count(`state <> 'completed'`)).toBeGreaterThan(0); // the connections die mid-run
    let killed = 0;
    for (let i = 0; i < 3; i++) {
      killed += await server.killConnections(`outage_${n}`);
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(killed).toBeGreaterThan(3);
    await expectAllDone(children, Date.now());
  }, 180_000);
});
