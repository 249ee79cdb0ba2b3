/**
 * Run compiled JS from dist/ in a child Node process. `npm test` runs
 * `tsc -p tsconfig.json` before jest, so dist/ mirrors lib/, test/, etc.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of the compiled file for a source path such as `test/fixtures/x.ts`. */
export function compiledPath(sourcePath: string): string {
  const path = join(REPO_ROOT, 'dist', sourcePath.replace(/\.ts$/, '.js'));
  if (!existsSync(path)) {
    throw new Error(`${path} does not exist: run \`tsc -p tsconfig.json\` first (\`npm test\` does)`);
  }
  return path;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawn `node <compiled sourcePath> ...args`, inheriting process.env plus `env`. */
export function runNode(
  sourcePath: string,
  options: { args?: string[]; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ChildResult> {
  const child = spawn(process.execPath, [compiledPath(sourcePath), ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 30_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Runs every due job in a consumer process of its own (`test/fixtures/consumer.process.ts`, polling
 * every 20 ms) until none is left, on the database `dbEnv` names (`testDbEnv`); returns how it ended.
 */
export function drainInChildProcess(dbEnv: Record<string, string>, timeoutMs = 60_000): Promise<ChildResult> {
  return runNode('test/fixtures/consumer.process.ts', {
    env: { ...dbEnv, CONSUMER_OPTIONS: JSON.stringify({ untilEmpty: true, pollIntervalMs: 20 }) },
    timeoutMs,
  });
}
