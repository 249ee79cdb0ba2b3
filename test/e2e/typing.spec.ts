/**
 * Typed jobs are a compile-time feature: test/types/ declares JobTypes and holds `@ts-expect-error`
 * lines for wrong names, inputs and outputs. It is its own TypeScript program (a JobTypes
 * declaration is global to a program), so this spec runs tsc on it: any line that should fail but
 * compiles, or should compile but fails, is reported. Untyped use is the rest of the suite.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/child-process.js';

function tsc(project: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', project, '--pretty', 'false'],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('typed jobs (JobTypes declaration merging)', () => {
  it('accepts declared names, inputs and outputs and rejects wrong ones at compile time', async () => {
    const result = await tsc('test/types/tsconfig.json');
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 120_000);
});
