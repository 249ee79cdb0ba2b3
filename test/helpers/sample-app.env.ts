/**
 * The environment the sample app reads its database from, for a test: a fresh SQLite file, or a
 * fresh database named by DATABASE_URL (PostgreSQL, or MariaDB with a mysql:// URL).
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type DbKind } from './databases.js';

export interface SampleAppTarget {
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function sampleAppTarget(kind: DbKind): Promise<SampleAppTarget> {
  if (kind !== 'sqlite') {
    const db = await createTestDatabase(kind);
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

/** Sets `env` on process.env; the returned function puts back what was there. */
export function setEnv(env: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
