/**
 * The module piscina loads in each worker thread. It imports the job's module (once per thread, as
 * `import()` caches it), builds the thread side of the context and calls the exported function.
 * Imports nothing from the library but types: a thread loads no Nest, no ORM.
 */
import type { JobErrorInfo } from '../interfaces/job-context.js';
import type { ThreadJobContext, ThreadPortMessage, ThreadResult, ThreadTask } from './thread-job.types.js';

function describe(err: unknown): JobErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'NonErrorThrown', message: `A thread job threw a non-Error value: ${String(err)}` };
}

export default async function runThreadTask(task: ThreadTask): Promise<ThreadResult> {
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
