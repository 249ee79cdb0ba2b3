import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../test/helpers/embedded-postgres.js';

/** A PostgreSQL server for the benchmark and a fresh database per measurement. */
export interface BenchPostgres {
  /** Where the server came from, for the report. */
  description: string;
  /** Creates an empty database; `drop()` removes it. */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  stop(): Promise<void>;
}

/** `DATABASE_URL` when set, else an embedded PostgreSQL started here (stopped by `stop()`). */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  if (process.env.DATABASE_URL)
    return onServer(
      process.env.DATABASE_URL,
      `DATABASE_URL (${await serverVersion(process.env.DATABASE_URL)})`,
      async () => undefined,
    );
  // Durable settings (fsync on), like a real server: the peers and we pay the same commit cost.
  const server = await startEmbeddedPostgres({ name: 'bench', maxConnections: 300, unsafeFast: false });
  const url = server.url();
  return onServer(url, `embedded-postgres (${await serverVersion(url)})`, () => server.destroy());
}

function onServer(serverUrl: string, description: string, stop: () => Promise<void>): BenchPostgres {
  const admin = async (sql: string) => {
    const url = new URL(serverUrl);
    if (url.pathname.length <= 1) url.pathname = '/postgres';
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  return {
    description,
    stop,
    async createDatabase() {
      const name = `jobs_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
      await admin(`CREATE DATABASE "${name}"`);
      // Every repetition starts with no dirty pages of the one before (a dropped database's, or
      // another system's) left for the server to write out while it is measured.
      await admin('CHECKPOINT');
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
    },
  };
}

async function serverVersion(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    return `PostgreSQL ${rows[0]!.v}`;
  } finally {
    await c.end();
  }
}
