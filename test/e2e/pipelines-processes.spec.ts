import { pipeline } from '../../lib/index.js';
import { spawn } from 'node:child_process';
import { compiledPath, runNode } from '../helpers/child-process.js';
import { createTestDatabase, DB_KINDS, testDbEnv, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { PipelineJobs } from '../fixtures/pipeline-jobs.js';

/** One pipeline spread over two real consumer processes whose exclude lists complement each other. */
describe.each(DB_KINDS)('pipelines across consumer processes on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    t = await createJobsApp(db.options, { providers: [PipelineJobs] });
    PipelineJobs.calls.length = 0;
  });

  afterEach(async () => {
    await t.close();
    await db.drop();
  });

  /** A consumer process that stops after `maxJobs` attempts; resolves with its summary. */
  async function consumerProcess(name: string, options: Record<string, unknown>) {
    const child = await runNode('test/fixtures/pipeline-consumer.process.ts', {
      env: {
        ...testDbEnv(db),
        CONSUMER_NAME: name,
        CONSUMER_OPTIONS: JSON.stringify({ pollIntervalMs: 50, ...options }),
      },
      timeoutMs: 60_000,
    });
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    const summary = JSON.parse(/SUMMARY (.*)/.exec(child.stdout)![1]!);
    return { ...summary, pid: Number(String(summary.consumerId).split(':').at(-2)) };
  }

  it('the gpu step runs only on the consumer that does not exclude it; data flows between the processes', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('video')
        .step('prepare', 'pipe.cpu', { input: { video: 'v1.mp4' } })
        .step('render', 'pipe.gpu', { after: 'prepare' })
        .step('thumbs', 'pipe.cpu', { after: 'prepare' })
        .step('publish', 'pipe.join', { after: ['render', 'thumbs'] }),
    );
    // On PostgreSQL the consumers poll only every 30 s: a step unblocked in one process must wake the
    // other through NOTIFY, or the test times out. SQLite has no NOTIFY and polls.
    const pollIntervalMs = kind === 'postgresql' ? 30_000 : 50;
    const [cpu, gpu] = await Promise.all([
      consumerProcess('cpu', { exclude: ['pipe.gpu'], maxJobs: 3, pollIntervalMs }),
      consumerProcess('gpu', { exclude: ['pipe.cpu', 'pipe.join'], maxJobs: 1, pollIntervalMs }),
    ]);
    expect([cpu.completed, gpu.completed]).toEqual([3, 1]);

    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('completed');
    // Each hand-off between the processes took well under the 30 s poll (the database's times, so
    // the processes' boot under a loaded machine does not count).
    const { prepare, render, thumbs, publish } = done.steps;
    const at = (d: Date | null | undefined) => d!.getTime();
    const joined = Math.max(at(render!.finishedAt), at(thumbs!.finishedAt));
    expect(at(render!.startedAt) - at(prepare!.finishedAt)).toBeLessThan(25_000);
    expect(at(publish!.startedAt) - joined).toBeLessThan(25_000);
    const out = Object.fromEntries(Object.entries(done.steps).map(([k, s]) => [k, s.output as any]));
    expect([out.prepare.consumer, out.render.consumer, out.thumbs.consumer]).toEqual(['cpu', 'gpu', 'cpu']);
    expect([out.prepare.pid, out.render.pid, out.thumbs.pid]).toEqual([cpu.pid, gpu.pid, cpu.pid]);
    expect(gpu.pid).not.toBe(cpu.pid);
    expect(new Set([cpu.pid, gpu.pid]).has(process.pid)).toBe(false);
    // What the cpu process produced was the gpu process's input, and the other way round.
    expect(out.render.received).toEqual(out.prepare);
    expect(out.publish.received).toEqual({ render: out.render, thumbs: out.thumbs });
    expect(PipelineJobs.calls).toEqual([]); // nothing ran in the test process
  });

  it('100 children spawned in one process, run by two (50 each), joined once: the join is unblocked once and run exactly once', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('fan-out')
        .step('split', 'pipe.split', { input: { count: 100 } })
        .step('collect', 'pipe.collect', { after: 'split' }),
    );
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, include: ['pipe.split'] });
    expect((await t.queue.getPipeline(p.id)).progress).toEqual({ done: 1, total: 102 });
    // Each process stops after exactly 50 attempts (maxJobs, no untilEmpty), and the join waits for
    // all 100 children: so each process runs 50 children, whatever their speeds, and neither the join.
    const [a, b] = await Promise.all([
      consumerProcess('a', { maxJobs: 50, concurrency: 4 }),
      consumerProcess('b', { maxJobs: 50, concurrency: 4 }),
    ]);
    expect([a.completed, b.completed]).toEqual([50, 50]);
    expect(a.failed + b.failed + a.aborted + b.aborted).toBe(0);

    // The last child's completion, in one process or the other, unblocked the join exactly once.
    const joined = await t.queue.getPipeline(p.id);
    expect(joined.progress).toEqual({ done: 101, total: 102 });
    expect(joined.steps.collect!.state).toBe('pending');
    const children = Object.values(joined.steps).filter((s) => s.name === 'pipe.square');
    expect(children).toHaveLength(100);
    expect(
      children.every((c) => c.state === 'completed' && c.attempts === 1 && c.parentId === joined.steps.split!.id),
    ).toBe(true);
    const byPid = new Map<number, number>();
    for (const c of children) byPid.set((c.output as any).pid, (byPid.get((c.output as any).pid) ?? 0) + 1);
    expect(byPid).toEqual(
      new Map([
        [a.pid, 50],
        [b.pid, 50],
      ]),
    );
    expect(a.pid).not.toBe(b.pid);

    PipelineJobs.calls.length = 0;
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 10_000 });
    expect(done.state).toBe('completed');
    expect(PipelineJobs.calls.map((c) => c.step)).toEqual(['collect']);
    expect(done.steps.collect!.attempts).toBe(1);
    expect((done.steps.collect!.output as any).count).toBe(100);
    expect((done.steps.collect!.output as any).order).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('a spawner whose process is killed mid-run is rescued and run again: its children are created once', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('crash')
        .step('split', 'pipe.splitSlow', { input: { count: 20, ms: 60_000 } })
        .step('collect', 'pipe.collect', { after: 'split' }),
    );
    const child = spawn(process.execPath, [compiledPath('test/fixtures/pipeline-consumer.process.ts')], {
      env: {
        ...process.env,
        ...testDbEnv(db),
        CONSUMER_NAME: 'doomed',
        JOBS_MODULE_OPTIONS: JSON.stringify({ leaseMs: 1_000, heartbeatMs: 200 }),
        CONSUMER_OPTIONS: JSON.stringify({ pollIntervalMs: 50 }),
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      for (let i = 0; i < 600; i++) {
        const split = (await t.queue.getPipeline(p.id)).steps.split!;
        if (split.state === 'running' && split.progress?.message === 'started') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await t.queue.getPipeline(p.id)).steps.split!.state).toBe('running');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    // This process takes over: its consumer rescues the lapsed lease (1 s) and runs the spawner again.
    const consumer = t.consumer.run({ pollIntervalMs: 20 });
    const done = await t.queue.waitForPipeline(p.id, { timeoutMs: 30_000 });
    await t.consumer.stop();
    await consumer;
    expect(done.state).toBe('completed');
    const split = done.steps.split!;
    expect(split.attempts).toBe(2);
    expect(split.attemptLog.map((a) => a.outcome)).toEqual(['lost']);
    expect(split.output).toEqual({ spawned: 20, attempt: 2 });
    const children = Object.values(done.steps).filter((s) => s.name === 'pipe.square');
    expect(children).toHaveLength(20);
    expect(children.every((c) => c.parentId === split.id && c.attempts === 1)).toBe(true);
    expect((done.steps.collect!.output as any).count).toBe(20);
  });
});
