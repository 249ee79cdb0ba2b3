import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Piscina } from 'piscina';
import { JOBS_MODULE_OPTIONS } from '../jobs.constants.js';
import { JobsConfigurationError } from '../errors/configuration.error.js';
import type { JobContext, JobErrorInfo } from '../interfaces/job-context.js';
import type { ResolvedJobsModuleOptions } from '../interfaces/jobs-module-options.js';
import { describeError } from '../consumer/error.util.js';
import { poolCreated, poolDestroyed, type TrackedPool } from './live-pools.js';
import type { ThreadPortMessage, ThreadResult, ThreadTask } from './thread-job.types.js';
import type { ResolvedThread } from './thread-option.util.js';

const ENTRY = new URL('./thread.entry.js', import.meta.url);

/** An error thrown in a thread, rebuilt here with its name, message and stack. */
function rebuild(info: JobErrorInfo): Error {
  const err = new Error(info.message);
  err.name = info.name;
  err.stack = info.stack ?? `${info.name}: ${info.message}`;
  return err;
}

/**
 * The worker-thread pool of `@Job({ thread })` jobs (piscina). Created at the first thread job, with
 * `threadPoolSize` threads; destroyed when the application shuts down, after its consumers stopped.
 * Aborting `ctx.signal` (timeout, cancel, lease lost, shutdown) terminates the thread running the
 * task (piscina replaces it); a thread that crashes rejects its task, which fails the attempt.
 */
@Injectable()
export class JobThreadPool implements OnApplicationShutdown, TrackedPool {
  private pool: Piscina | undefined;

  constructor(@Inject(JOBS_MODULE_OPTIONS) private readonly options: ResolvedJobsModuleOptions) {}

  get threadCount(): number {
    return this.pool?.threads.length ?? 0;
  }

  async run(thread: ResolvedThread, input: unknown, ctx: JobContext): Promise<unknown> {
    const pool = this.open();
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: ThreadPortMessage) => {
      if (m.type !== 'progress') return;
      ctx.progress(m.message, m.details ?? undefined).then(
        () => port1.postMessage({ type: 'ack', id: m.id } satisfies ThreadPortMessage),
        (err: unknown) =>
          port1.postMessage({ type: 'ack', id: m.id, error: describeError(err) } satisfies ThreadPortMessage),
      );
    });
    // Code in the thread sees its signal abort first; piscina then terminates the thread anyway.
    const onAbort = () =>
      port1.postMessage({ type: 'abort', reason: describeError(ctx.signal.reason) } satisfies ThreadPortMessage);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const task: ThreadTask = {
      file: thread.url,
      exportName: thread.exportName,
      input,
      job: {
        jobId: ctx.jobId,
        name: ctx.name,
        queue: ctx.queue,
        attempt: ctx.attempt,
        maxAttempts: ctx.maxAttempts,
        pipelineId: ctx.pipelineId,
        step: ctx.step,
      },
      port: port2,
      nice: this.options.threadNice,
    };
    try {
      const result = (await pool.run(task, { transferList: [port2], signal: ctx.signal })) as ThreadResult;
      if (!result.ok) throw rebuild(result.error);
      return result.output;
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      port1.close();
    }
  }

  /** Starts the threads now, so the first thread jobs do not wait for them: called when a consumer that claims thread jobs starts. */
  warm(): void {
    this.open();
  }

  private open(): Piscina {
    if (this.pool) return this.pool;
    if (!existsSync(fileURLToPath(ENTRY))) {
      throw new JobsConfigurationError(
        `Thread jobs run compiled JavaScript: ${fileURLToPath(ENTRY)} is missing. Run the consumer from the build output.`,
      );
    }
    const size = this.options.threadPoolSize;
    // Every thread at once (minThreads = maxThreads): a thread is a few ms and MBs, and starting
    // one per task would add that to each job.
    this.pool = new Piscina({ filename: ENTRY.href, minThreads: size, maxThreads: size, idleTimeout: 60_000 });
    poolCreated(this);
    return this.pool;
  }

  /** Terminates every thread; a task still running is rejected (its job was handed back by the consumer's shutdown). */
  async destroy(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (!pool) return;
    try {
      await pool.destroy();
    } finally {
      poolDestroyed(this);
    }
  }

  onApplicationShutdown(): Promise<void> {
    return this.destroy();
  }
}
