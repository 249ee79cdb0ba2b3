/**
 * Issue 2's packaging acceptance: test/pack/pack-check.sh packs the library and runs a separate app,
 * made of the README's quick-start files, against the tarball on SQLite and (with DATABASE_URL, which
 * the global setup provides) PostgreSQL, on the lowest supported MikroORM, with the README's three
 * lines for the operations console and its guard (200 with the token, 403 without). About 20-50 s.
 *
 * Issue 16's: test/pack/quick-start.sh follows the README's quick start to the letter in a new Nest
 * app, installing from the npm registry (so it needs it) with the newest MikroORM the install line
 * resolves to, through `nest start` and `nest start --entryFile consumer`. About 30-60 s.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/child-process.js';

function runScript(script: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('bash', [join(REPO_ROOT, script)], {
    cwd: REPO_ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 170_000,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

it('the packed library works in a separate app built from the README', async () => {
  const { code, output } = await runScript('test/pack/pack-check.sh');
  if (code !== 0) throw new Error(`pack-check.sh exited with ${code}:\n${output}`);
  for (const db of process.env.DATABASE_URL ? ['sqlite', 'postgresql'] : ['sqlite']) {
    expect(output).toContain(`pack-check ${db}: enqueue, priority, runAfter, exclude/include, typed jobs ok`);
    // README "Operations console": its three lines and admin.guard.ts in the quick start's app.
    expect(output).toContain(
      `pack-check ${db}: README console lines: /jobs-admin/api/queues 200 with the token, 403 without`,
    );
  }
  expect(output).toMatch(/pack check passed in \d+ s/);
}, 180_000);

it('a new Nest app following the README quick start runs a job through nest start --entryFile consumer', async () => {
  const { code, output } = await runScript('test/pack/quick-start.sh');
  if (code !== 0) throw new Error(`quick-start.sh exited with ${code}:\n${output}`);
  expect(output).toMatch(/app-sqlite: job \d+: \{"state":"completed"/);
  if (process.env.DATABASE_URL) expect(output).toMatch(/app-postgresql: job \d+: \{"state":"completed"/);
  expect(output).toMatch(/quick start passed in \d+ s/);
}, 180_000);
