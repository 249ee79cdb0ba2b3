/**
 * `@Job({ thread })`: jobs run in the consumer's worker-thread pool (piscina), in a real consumer
 * process (test/fixtures/thread-consumer.process.ts: threads run the compiled JavaScript in dist/).
 */
import { DB_KINDS, testDbEnv, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { killAll, spawnNode, waitUntil, type NodeChild } from '../helpers/spawned-process.js';
import { JobsConfigurationError, type ConsumerOptions, type JobsModuleOptions } from '../../lib/index.js';
import { ThreadJobs } from '../fixtures/thread-jobs.js';

const CONSUMER = 'test/fixtures/thread-consumer.process.ts';

describe.each(DB_KINDS)('thread jobs on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openJobsEnv(kind, { fixtures: false, providers: [ThreadJobs] })));
  afterEach(async () => {
    await killAll();
    await closeJobsEnv({ db, t });
  });

  function startConsumer(consumer: ConsumerOptions, jobs: JobsModuleOptions = {}): NodeChild {
    return spawnNode(CONSUMER, {
      env: { ...testDbEnv(db), JOBS_MODULE_OPTIONS: JSON.stringify(jobs), CONSUMER_OPTIONS: JSON.stringify(consumer) },
    });
  }

  /** Runs a consumer until nothing is left to do; returns its event-loop max delay, after checking it exited cleanly with no pool left. */
  async function drain(consumer: ConsumerOptions = {}, jobs: JobsModuleOptions = {}): Promise<number> {
    const child = startConsumer({ untilEmpty: true, pollIntervalMs: 50, ...consumer }, jobs);
    const exit = await child.exited;
    expect({ code: exit.code, stderr: child.stderr }).toEqual({ code: 0, stderr: '' });
    expect(child.stdout).toMatch(/POOLS_LEFT 0\n/);
    return Number(/LOOP_DELAY_MAX_MS (\S+)/.exec(child.stdout)![1]);
  }

  it('refuses to start a consumer for a thread job whose module does not exist, naming the job and the file', async () => {
    // Jest runs test/fixtures/thread-jobs.ts from source: the module beside it is not compiled there.
    const error = await t.consumer.run({ include: ['thread.burn'], untilEmpty: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobsConfigurationError);
    expect((error as Error).message).toMatch(
      /Thread job 'thread\.burn': its module .*thread-jobs\.thread\.js does not exist/,
    );
  });

  it('runs the module in a worker thread and stores its output', async () => {
    const job = await t.queue.enqueue('thread.burn', { ms: 20 });
    await drain();
    const done = await t.queue.get(job.id);
    expect(done.state).toBe('completed');
    expect(done.output).toEqual({ burnedMs: 20, inThread: true, jobId: job.id, attempt: 1 });
  });

  it('fails the job with the name, message and stack of an error thrown in the thread', async () => {
    const job = await t.queue.enqueue('thread.fail', { message: 'no such image' });
    await drain();
    const done = await t.queue.get(job.id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatchObject({ name: 'RangeError', message: 'no such image' });
    expect(done.error!.stack).toContain('thread-jobs.thread.js');
  });

  it('fails the attempt of a thread that exits, retries it, and the consumer goes on', async () => {
    const [crash, after] = await t.queue.enqueueMany([
      { name: 'thread.crash', input: null, priority: 1 },
      { name: 'thread.burn', input: { ms: 1 } },
    ]);
    await drain({ concurrency: 1 }, { threadPoolSize: 1 });
    const done = await t.queue.get(crash!.id);
    expect(done.state).toBe('failed');
    expect(done.attemptLog.map((a) => a.outcome)).toEqual(['failed', 'failed']);
    expect(done.error!.message).toMatch(/exit/i);
    expect((await t.queue.get(after!.id)).state).toBe('completed');
  });

  it('times out: the job fails with JobTimeoutError and the thread is freed for the next job', async () => {
    // One thread: the next job can only run if the spinning task was terminated.
    const [spin, next] = await t.queue.enqueueMany([
      { name: 'thread.spin', input: null, timeoutMs: 1_000, priority: 1 },
      { name: 'thread.burn', input: { ms: 1 } },
    ]);
    await drain({ concurrency: 2 }, { threadPoolSize: 1 });
    const done = await t.queue.get(spin!.id);
    expect(done.state).toBe('failed');
    expect(done.error!.name).toBe('JobTimeoutError');
    expect((await t.queue.get(next!.id)).state).toBe('completed');
  });

  it('cancels a running thread job: the task is terminated and the thread runs the next job', async () => {
    const spin = await t.queue.enqueue('thread.spin', null, { priority: 1 });
    const child = startConsumer({ concurrency: 2, pollIntervalMs: 50 }, { threadPoolSize: 1 });
    await waitUntil(
      async () => (await t.queue.get(spin.id)).progress?.message === 'spinning',
      'the thread to start spinning',
    );
    await t.queue.cancel(spin.id);
    expect((await t.queue.waitFor(spin.id, { timeoutMs: 10_000 })).state).toBe('cancelled');
    const next = await t.queue.enqueue('thread.burn', { ms: 1 });
    expect((await t.queue.waitFor(next.id, { timeoutMs: 10_000 })).state).toBe('completed');
    child.signal('SIGTERM');
    expect((await child.exited).code).toBe(0);
    expect(child.stdout).toMatch(/POOLS_LEFT 0\n/);
  });

  it('stores progress reported from the thread; ctx.progress resolves once it is written', async () => {
    const job = await t.queue.enqueue('thread.progress', { steps: 3 });
    await drain();
    const done = await t.queue.get(job.id);
    expect(done.state).toBe('completed');
    expect(done.output).toEqual({ reported: 3 });
    expect(done.progress).toEqual({ message: 'step 3', details: { done: 3, total: 3 } });
  });

  // The nice value is per thread on Linux only; elsewhere the option does nothing.
  (process.platform === 'linux' ? it : it.skip)(
    'runs the threads at a lower CPU priority than the consumer: 10 lower by default, as set by threadNice',
    async () => {
      const byDefault = await t.queue.enqueue('thread.priority', {});
      await drain();
      const { output } = await t.queue.get(byDefault.id);
      const { process: consumerNice } = output as { process: number };
      expect(output).toEqual({ thread: Math.min(19, consumerNice + 10), process: consumerNice, isOwnThread: true });

      const unchanged = await t.queue.enqueue('thread.priority', {});
      await drain({}, { threadNice: 0 });
      expect((await t.queue.get(unchanged.id)).output).toEqual({
        thread: consumerNice,
        process: consumerNice,
        isOwnThread: true,
      });

      const three = await t.queue.enqueue('thread.priority', {});
      await drain({}, { threadNice: 3 });
      expect((await t.queue.get(three.id)).output).toEqual({
        thread: Math.min(19, consumerNice + 3),
        process: consumerNice,
        isOwnThread: true,
      });
    },
  );

  it("keeps the consumer's event loop responsive while a thread burns CPU, unlike the same burn in-process", async () => {
    const burn = { ms: 1_200 };
    const inThread = await t.queue.enqueue('thread.burn', burn);
    const threadDelayMs = await drain();
    const inProcess = await t.queue.enqueue('inprocess.burn', burn);
    const inProcessDelayMs = await drain();
    expect((await t.queue.get(inThread.id)).state).toBe('completed');
    expect((await t.queue.get(inProcess.id)).state).toBe('completed');
    // Relative, measured in one test: the in-process burn blocks the loop for the whole burn.
    expect(threadDelayMs).toBeLessThan(inProcessDelayMs / 4);
  });
});
