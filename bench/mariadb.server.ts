import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

/** The MariaDB server the soak and the bench use: `MARIADB_URL`, default the local one. */
export const BENCH_MARIADB_URL = process.env.MARIADB_URL || 'mysql://root@127.0.0.1:3306/';

/** Runs `fn` on a connection to the server (no database selected). */
export async function withMariadb<T>(
  fn: (c: mysql.Connection) => Promise<T>,
  serverUrl = BENCH_MARIADB_URL,
): Promise<T> {
  const url = new URL(serverUrl);
  url.pathname = '/';
  const c = await mysql.createConnection(url.toString());
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, empty database on the MariaDB server; `drop()` removes it. */
export async function createBenchMariadb(
  prefix: string,
): Promise<{ url: string; description: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const version = await withMariadb(async (c) => {
    await c.query(`CREATE DATABASE \`${name}\``);
    const [rows] = await c.query('SELECT VERSION() AS v');
    return String((rows as { v: string }[])[0]!.v);
  });
  const url = new URL(BENCH_MARIADB_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    description: `${url.host}/${name} (MariaDB ${version})`,
    drop: () => withMariadb(async (c) => void (await c.query(`DROP DATABASE IF EXISTS \`${name}\``))),
  };
}
