/**
 * Jest globalSetup. Uses the PostgreSQL server in DATABASE_URL when it is set;
 * otherwise starts a throwaway embedded PostgreSQL (real PostgreSQL 18 binaries
 * from npm) and exports DATABASE_URL for the tests and the child processes
 * they spawn. test/global-teardown.ts stops it.
 *
 * Jest loads global hooks outside its module mapper, so the helper comes from
 * dist/ (`npm test` runs tsc first, as the child-process tests need anyway).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EmbeddedServer } from './helpers/embedded-postgres.js';

declare global {
  var __jobsEmbeddedPg: EmbeddedServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  process.env.JOBS_TEST_RUN_ID ??= `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  if (process.env.DATABASE_URL || process.env.TEST_DB === 'sqlite') return;

  const compiled = fileURLToPath(new URL('../dist/test/helpers/embedded-postgres.js', import.meta.url));
  if (!existsSync(compiled))
    throw new Error(`${compiled} is missing: run \`tsc -p tsconfig.json\` first (\`npm test\` does)`);
  const { startEmbeddedPostgres } = (await import(
    pathToFileURL(compiled).href
  )) as typeof import('./helpers/embedded-postgres.js');
  const server = await startEmbeddedPostgres({ name: 'suite' });
  globalThis.__jobsEmbeddedPg = server;
  process.env.DATABASE_URL = server.url();
}
