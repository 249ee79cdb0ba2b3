import { ConsumerLoop, ConsumerState, type LoopSettings } from '../../../lib/consumer/consumer-loop.js';
import { runningLoops } from '../../../lib/consumer/running-loops.js';
import { FakeJobStore, Gate } from '../fakes/fake-job.store.js';
import { FakeLogger } from '../fakes/fake-logger.js';
import { completed, failed, FakeRunner } from '../fakes/fake-runner.js';
import { stubClock, until } from '../fakes/timing.util.js';

const HOUR = 3_600_000;
const loops: ConsumerLoop[] = [];

/** A loop over a fake store and runner; it polls and heartbeats hourly unless told otherwise, so only wake-ups move it. */
function setUp(overrides: Partial<LoopSettings> = {}) {
  const store = new FakeJobStore();
  const runner = new FakeRunner();
  const logger = new FakeLogger();
  const settings: LoopSettings = {
    concurrency: 2,
    names: ['work'],
    pollIntervalMs: HOUR,
    untilEmpty: false,
    shutdownGraceMs: 1_000,
    leaseMs: 30_000,
    heartbeatMs: HOUR,
    defaultBackoff: { baseMs: 1_000, maxMs: 60_000, jitter: false },
    ...overrides,
  };
  const loop = new ConsumerLoop(settings, { store, execute: runner.execute, forget: runner.forget, logger });
  loops.push(loop);
  return { store, runner, logger, loop };
}

afterEach(async () => {
  await Promise.all(loops.splice(0).map((l) => l.stop(0)));
});

describe('ConsumerLoop', () => {
  it('claims only free slots until jobs finish, then also what it finishes in 100 ms', async () => {
    const clock = stubClock();
    try {
      const { store, runner, loop } = setUp({ concurrency: 2 });
      store.add(10);
      void loop.run();
      await until(() => runner.running.size === 2);
      expect(store.claims[0]).toMatchObject({ limit: 2, guardPlan: true });
      clock.advance(100);
      runner.finish('1');
      // 1 job finished in 100 ms: a target of 1 on top of the free slot; job 4 waits in the buffer.
      await until(() => store.claims.length === 2 && runner.running.size === 2);
      expect(store.claims[1]!.limit).toBe(2);
      expect(runner.started).toEqual(['1', '2', '3']);
      expect(store.jobs.get('4')!.state).toBe('running');
    } finally {
      clock.restore();
    }
  });

  it('starts claimed jobs in claim order, highest priority first', async () => {
    const { store, runner, loop } = setUp({ concurrency: 3 });
    store.add(1, { priority: 1 });
    store.add(1, { priority: 9 });
    store.add(1, { priority: 5 });
    void loop.run();
    await until(() => runner.started.length === 3);
    expect(runner.started).toEqual(['2', '3', '1']);
  });

  it('maxJobs: claims and starts no more than that many, then stops', async () => {
    const { store, runner, loop } = setUp({ concurrency: 2, maxJobs: 3 });
    store.add(5);
    runner.auto = () => completed();
    const summary = await loop.run();
    expect(summary).toMatchObject({ processed: 3, completed: 3 });
    expect(store.claims.map((c) => c.limit)).toEqual([2, 1]);
    expect(store.inState('pending')).toHaveLength(2);
  });

  it('untilEmpty: stops once nothing is due, running or left to write', async () => {
    const { store, runner, loop } = setUp({ concurrency: 2, untilEmpty: true });
    store.add(5);
    runner.auto = () => completed();
    const summary = await loop.run();
    expect(summary).toMatchObject({ processed: 5, completed: 5, failed: 0 });
    expect(store.inState('completed')).toHaveLength(5);
    expect(loop.currentState).toBe(ConsumerState.Stopped);
  });

  it('untilEmpty: waits for the retry of a job that failed here, and runs it', async () => {
    const { store, runner, loop } = setUp({ untilEmpty: true, pollIntervalMs: 10 });
    store.add(1, { maxAttempts: 2, backoff: { baseMs: 30 } });
    runner.auto = (job) => (job.attempts === 1 ? failed() : completed());
    const summary = await loop.run();
    expect(summary).toMatchObject({ processed: 2, failed: 1, completed: 1 });
    expect(store.jobs.get('1')).toMatchObject({ state: 'completed', retryDelays: [30] });
  });

  it('timeoutMs: stops at the deadline even while asleep', async () => {
    const { loop } = setUp({ timeoutMs: 30 });
    const summary = await loop.run();
    expect(summary).toMatchObject({ processed: 0 });
    expect(loop.currentState).toBe(ConsumerState.Stopped);
  });

  it('stop(): claims nothing more, lets running jobs finish, hands buffered ones back', async () => {
    const clock = stubClock();
    try {
      const { store, runner, loop } = setUp({ concurrency: 2 });
      store.add(10);
      const done = loop.run();
      await until(() => runner.running.size === 2);
      clock.advance(100);
      runner.finish('1');
      await until(() => store.jobs.get('4')!.state === 'running' && runner.running.size === 2);
      const claims = store.claims.length;
      const stopped = loop.stop();
      expect(loop.currentState).toBe(ConsumerState.Stopping);
      await until(() => store.jobs.get('4')!.state === 'pending');
      expect(runner.forgotten).toEqual(['4']);
      runner.finishAll();
      const summary = await stopped;
      await expect(done).resolves.toBe(summary);
      expect(summary).toMatchObject({ completed: 3, aborted: 0 });
      expect(store.claims).toHaveLength(claims);
      expect(store.jobs.get('4')!.attempts).toBe(0);
    } finally {
      clock.restore();
    }
  });

  it('stop(0): aborts running jobs at once and hands them back without using an attempt', async () => {
    const { store, runner, loop } = setUp({ concurrency: 2 });
    store.add(2);
    void loop.run();
    await until(() => runner.running.size === 2);
    const summary = await loop.stop(0);
    expect(summary).toMatchObject({ processed: 0, aborted: 2 });
    expect(store.inState('pending').map((j) => j.attempts)).toEqual([0, 0]);
  });

  it('a job that outlives the grace period is aborted and handed back', async () => {
    const { store, runner, loop } = setUp({ shutdownGraceMs: 20 });
    store.add(1);
    void loop.run();
    await until(() => runner.running.size === 1);
    const summary = await loop.stop();
    expect(summary).toMatchObject({ aborted: 1 });
    expect(store.jobs.get('1')).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('a cancel requested while a job runs aborts it, and the job ends cancelled', async () => {
    const { store, runner, loop } = setUp({ heartbeatMs: 5 });
    store.add(1);
    void loop.run();
    await until(() => runner.running.size === 1);
    store.requestCancel('1');
    await until(() => store.jobs.get('1')!.state === 'cancelled');
    expect(runner.running.size).toBe(0);
    await expect(loop.stop()).resolves.toMatchObject({ aborted: 1, failed: 0 });
  });

  it('a run that rejects (a bug, not a job failure) is logged once and frees its slot', async () => {
    const { store, runner, logger, loop } = setUp({ concurrency: 1, untilEmpty: true });
    store.add(2);
    runner.auto = (job) => {
      if (job.id === '1') throw new Error('bug');
      return completed();
    };
    await expect(loop.run()).resolves.toMatchObject({ completed: 1 });
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      'internal error recording job 1: bug',
    ]);
  });

  it('a rescue wakes the sleeping loop, which claims the rescued job', async () => {
    const { store, runner, loop } = setUp({ heartbeatMs: 5 });
    void loop.run();
    await until(() => store.claims.length === 1);
    store.add(1);
    store.rescuable = [{ id: '1', name: 'work', state: 'pending' }];
    await until(() => runner.started.length === 1);
  });

  it('busyPollMs: after finding jobs it looks again soon, so jobs written without a wake (another process) start long before the poll interval', async () => {
    const { store, runner, loop } = setUp({ busyPollMs: 5 });
    store.add(1);
    void loop.run();
    await until(() => runner.running.size === 1);
    runner.finish('1');
    await until(() => store.jobs.get('1')!.state === 'completed');
    store.add(1); // no wake: as if another process wrote it
    await until(() => runner.started.length === 2, 5_000);
    // Empty claims back off, doubling: far fewer than one per 5 ms.
    const empty = store.claims.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(store.claims.length - empty).toBeLessThan(8);
  });

  it('without busyPollMs, a job written without a wake waits for the poll interval', async () => {
    const { store, runner, loop } = setUp();
    store.add(1);
    void loop.run();
    await until(() => runner.running.size === 1);
    runner.finish('1');
    await until(() => store.jobs.get('1')!.state === 'completed');
    store.add(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(runner.started).toEqual(['1']);
  });

  it('a wake while a claim is in flight is kept: the loop claims again without waiting its poll interval', async () => {
    const { store, runner, loop } = setUp({ concurrency: 2 });
    store.add(2);
    void loop.run();
    await until(() => runner.running.size === 2);
    // Results are not written meanwhile: their writes would wake the loop too.
    store.finishGate = new Gate();
    store.claimGate = new Gate();
    runner.finish('1');
    await until(() => store.claimGate!.held === 1);
    runner.finish('2'); // wakes the loop while it awaits the claim
    store.claimGate.release();
    store.claimGate = undefined;
    await until(() => store.claims.length === 3);
    store.finishGate.release();
    store.finishGate = undefined;
  });

  it('is listed as running from run() until it stopped', async () => {
    const { loop } = setUp();
    expect(runningLoops()).not.toContain(loop);
    const done = loop.run();
    expect(runningLoops()).toContain(loop);
    await loop.stop();
    await done;
    expect(runningLoops()).not.toContain(loop);
  });
});
