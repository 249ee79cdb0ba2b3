/**
 * The module piscina loads in each worker thread. It imports the job's module (once per thread, as
 * `import()` caches it), builds the thread side of the context and calls the exported function.
 * Imports nothing from the library but types: a thread loads no Nest, no ORM.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import type { JobErrorInfo } from '../interfaces/job-context.js';
import type { ThreadJobContext, ThreadPortMessage, ThreadResult, ThreadTask } from './thread-job.types.js';

function describe(err: unknown): JobErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'NonErrorThrown', message: `A thread job threw a non-Error value: ${String(err)}` };
}

/** Whether this thread lowered its priority already (module state is per thread). */
let niced = false;

/**
 * Lowers this thread's CPU priority by `increment`, once. On Linux the nice value belongs to each
 * thread, addressed by its thread id (`/proc/thread-self` links to `<pid>/task/<tid>`). Elsewhere
 * (no `/proc`), or when the system refuses, the thread keeps the process's priority.
 */
function lowerPriority(increment: number): void {
  if (niced || increment === 0) return;
  niced = true;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    setPriority(tid, Math.min(19, getPriority(tid) + increment));
  } catch {
    // Not Linux, or not allowed: run at the process's priority.
  }
}

export default async function runThreadTask(task: ThreadTask): Promise<ThreadResult> {
  lowerPriority(task.nice);
  const { port } = task;
  const controller = new AbortController();
  const acks = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  let nextId = 0;
  port.on('message', (m: ThreadPortMessage) => {
    if (m.type === 'abort') controller.abort(Object.assign(new Error(m.reason.message), { name: m.reason.name }));
    if (m.type !== 'ack') return;
    const ack = acks.get(m.id);
    acks.delete(m.id);
    if (m.error) ack?.reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
    else ack?.resolve();
  });
  const ctx: ThreadJobContext = {
    ...task.job,
    signal: controller.signal,
    progress: (message, details) =>
      new Promise<void>((resolve, reject) => {
        const id = ++nextId;
        acks.set(id, { resolve, reject });
        port.postMessage({ type: 'progress', id, message, details: details ?? null } satisfies ThreadPortMessage);
      }),
  };
  try {
    const module = (await import(task.file)) as Record<string, unknown>;
    const fn = module[task.exportName];
    if (typeof fn !== 'function') {
      throw new TypeError(
        `${task.file} has no function export '${task.exportName}' (exports: ${Object.keys(module).join(', ') || 'none'}).`,
      );
    }
    return { ok: true, output: await fn(task.input, ctx) };
  } catch (err) {
    return { ok: false, error: describe(err) };
  } finally {
    port.close();
  }
}
