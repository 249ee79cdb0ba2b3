/**
 * Issue 2's packaging acceptance: test/pack/pack-check.sh packs the library and runs a separate app,
 * made of the README's quick-start files, against the tarball on SQLite and (with DATABASE_URL, which
 * the global setup provides) PostgreSQL. About 30-50 s.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/child-process.js';

it('the packed library works in a separate app built from the README', async () => {
  const child = spawn('bash', [join(REPO_ROOT, 'test/pack/pack-check.sh')], {
    cwd: REPO_ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 170_000,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`pack-check.sh exited with ${code}:\n${output}`);
  expect(output).toContain('pack-check sqlite: enqueue, priority, runAfter, exclude/include, typed jobs ok');
  if (process.env.DATABASE_URL) expect(output).toContain('pack-check postgresql: enqueue, priority, runAfter, exclude/include, typed jobs ok');
  expect(output).toMatch(/pack check passed in \d+ s/);
}, 180_000);
