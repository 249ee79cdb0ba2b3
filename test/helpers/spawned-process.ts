/**
 * Child processes whose handle the test keeps, to SIGKILL, SIGSTOP/SIGCONT or SIGTERM them and to
 * wait on their output. Runs compiled JS from dist/ like `runNode()`; the class is shared with the
 * soak (bench/soak/node-child.ts). Call `killAll()` in afterEach so no process outlives its test.
 */
import { NodeChild } from '../../bench/soak/node-child.js';
import { REPO_ROOT, compiledPath } from './child-process.js';

export { NodeChild };

const started = new Set<NodeChild>();

export function spawnNode(
  sourcePath: string,
  options: { args?: string[]; env?: Record<string, string | undefined>; echo?: boolean } = {},
): NodeChild {
  const child = new NodeChild(compiledPath(sourcePath), { ...options, cwd: REPO_ROOT });
  started.add(child);
  void child.exited.then(() => started.delete(child));
  return child;
}

/** SIGCONT (a frozen child cannot die otherwise) and SIGKILL every child still alive. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...started].map(async (c) => {
      c.signal('SIGCONT');
      await c.kill();
    }),
  );
}

/** Polls `check` until it returns a truthy value; fails after `timeoutMs` with `what`. */
export async function waitUntil<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
