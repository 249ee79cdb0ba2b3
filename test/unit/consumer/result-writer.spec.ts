import { ResultWriter, type WrittenResult } from '../../../lib/consumer/result-writer.js';
import type { RunOutcome } from '../../../lib/consumer/job-runner.js';
import type { ClaimedJob } from '../../../lib/persistence/row.mapper.js';
import { FakeJobStore, Gate } from '../fakes/fake-job.store.js';
import { FakeLogger } from '../fakes/fake-logger.js';
import { completed, failed } from '../fakes/fake-runner.js';
import { stubClock, until } from '../fakes/timing.util.js';

const CONSUMER = 'c1';

function setUp() {
  const store = new FakeJobStore();
  const logger = new FakeLogger();
  let wakes = 0;
  const writer = new ResultWriter(
    { consumerId: CONSUMER, defaultBackoff: { baseMs: 1_000, maxMs: 60_000, jitter: false } },
    { store, wake: () => void (wakes += 1), logger },
  );
  return { store, logger, writer, wakes: () => wakes };
}

/** Claims `count` jobs from the store as consumer c1. */
async function claim(store: FakeJobStore, count: number, fields = {}): Promise<ClaimedJob[]> {
  store.add(count, fields);
  return store.claim({ consumerId: CONSUMER, limit: count, leaseMs: 30_000, names: ['work'] });
}

const aborted = (reason: 'cancelled' | 'lease-lost' | 'shutdown'): RunOutcome => ({
  kind: 'aborted',
  reason,
  error: { name: 'Error', message: reason },
});

describe('ResultWriter', () => {
  it('writes results by group commit: what ends during a write goes in the next one', async () => {
    const { store, writer } = setUp();
    const [a, b, c] = await claim(store, 3);
    store.finishGate = new Gate();
    writer.record(a!, completed(1), 5);
    await until(() => store.finishGate!.held === 1);
    writer.record(b!, completed(2), 5);
    writer.record(c!, failed(), 5);
    store.finishGate.release();
    await until(() => store.finishGate!.held === 1);
    expect(store.finishes.map((f) => f.completed.length + f.failed.length)).toEqual([1, 2]);
    store.finishGate.release();
    await until(() => writer.isSettled());
  });

  it('keeps results for `written` only while it wants them; one that came to want them is told by id', async () => {
    const store = new FakeJobStore();
    let wants = false;
    const told: WrittenResult[] = [];
    const writer = new ResultWriter(
      { consumerId: CONSUMER, defaultBackoff: { baseMs: 1_000, maxMs: 60_000, jitter: false } },
      {
        store,
        wake: () => undefined,
        logger: new FakeLogger(),
        written: (results) => void told.push(...results),
        wantsWritten: () => wants,
      },
    );
    const [a, b] = await claim(store, 2);
    store.finishGate = new Gate();
    writer.record(a!, completed(1), 5); // no emitter, no waiter: nothing kept
    await until(() => store.finishGate!.held === 1);
    wants = true; // a waiter came while a's write ran
    writer.record(b!, completed(2), 5);
    store.finishGate.release();
    await until(() => store.finishGate!.held === 1);
    store.finishGate.release();
    await until(() => writer.isSettled());
    expect(told).toEqual([
      { job: { id: a!.id, pipelineId: null }, state: 'completed' },
      { job: b, outcome: completed(2), state: 'completed' },
    ]);
  });

  it('keeps a job in `unflushed` (its lease renewed) until its result is written', async () => {
    const { store, writer } = setUp();
    const [a] = await claim(store, 1);
    store.finishGate = new Gate();
    writer.record(a!, completed(), 5);
    await until(() => store.finishGate!.held === 1);
    expect([...writer.unflushed]).toEqual([[a!.id, 1]]);
    expect(writer.isSettled()).toBe(false);
    store.finishGate.release();
    await until(() => writer.isSettled());
    expect(writer.unflushed.size).toBe(0);
    expect(store.jobs.get(a!.id)!.state).toBe('completed');
  });

  it('retries a failed write with its results kept, and wakes the loop after it', async () => {
    const { store, writer, logger, wakes } = setUp();
    const [a, b] = await claim(store, 2);
    store.failFinishes = 1;
    writer.record(a!, completed('x'), 5);
    writer.record(b!, failed('bad', true), 5);
    await until(() => writer.isSettled());
    expect(store.finishes).toHaveLength(2);
    expect(store.finishes[1]).toEqual(store.finishes[0]);
    expect(store.jobs.get(a!.id)).toMatchObject({ state: 'completed', output: '"x"' });
    expect(store.jobs.get(b!.id)!.state).toBe('failed');
    expect(logger.has('warn', 'writing 2 results failed (connection reset); retrying')).toBe(true);
    expect(wakes()).toBe(1);
  });

  it('a failure with attempts left is retried after its backoff; untilEmpty waits for it', async () => {
    const clock = stubClock();
    try {
      const { store, writer } = setUp();
      const [a] = await claim(store, 1, { backoff: { baseMs: 250 } });
      writer.record(a!, failed(), 5);
      await until(() => writer.pending === 0 && store.finishes.length === 1);
      await until(() => writer.unflushed.size === 0);
      expect(store.finishes[0]!.failed[0]).toMatchObject({ final: false, delay_ms: 250 });
      expect(writer.isSettled()).toBe(false);
      clock.advance(250);
      expect(writer.isSettled()).toBe(true);
    } finally {
      clock.restore();
    }
  });

  it('counts outcomes; a cancelled run fails for good, one stopped by shutdown is handed back', async () => {
    const { store, writer } = setUp();
    const [a, b, c, d] = await claim(store, 4, { maxAttempts: 1 });
    store.requestCancel(b!.id);
    writer.record(a!, failed(), 5);
    writer.record(b!, aborted('cancelled'), 5);
    writer.record(c!, aborted('shutdown'), 5);
    writer.record(d!, completed(), 5);
    await until(() => writer.isSettled());
    const batch = store.finishes[0]!;
    expect(batch.failed.map((f) => [f.id, f.final, JSON.parse(f.log).outcome])).toEqual([
      [a!.id, true, 'failed'],
      [b!.id, true, 'aborted'],
    ]);
    expect(batch.released).toEqual([{ id: c!.id, attempt: 1 }]);
    expect(writer.counts).toEqual({ processed: 2, completed: 1, failed: 1, aborted: 2, snoozed: 0 });
    expect([a, b, c, d].map((j) => store.jobs.get(j!.id)!.state)).toEqual([
      'failed',
      'cancelled',
      'pending',
      'completed',
    ]);
  });

  it('drops the result of a run whose lease was lost: nothing is written for it', async () => {
    const { store, writer, logger } = setUp();
    const [a] = await claim(store, 1);
    writer.record(a!, aborted('lease-lost'), 5);
    expect(writer.pending).toBe(0);
    expect(writer.unflushed.size).toBe(0);
    expect(writer.counts.aborted).toBe(1);
    expect(logger.has('warn', 'lease lost, result dropped')).toBe(true);
  });

  it('warns when a write did not take effect (another consumer holds the job now)', async () => {
    const { store, writer, logger } = setUp();
    const [a] = await claim(store, 1);
    store.takeOver(a!.id);
    writer.record(a!, completed(), 5);
    await until(() => writer.isSettled());
    expect(store.jobs.get(a!.id)!.state).toBe('running');
    expect(logger.has('warn', `job ${a!.id}: result not written`)).toBe(true);
  });

  it('at shutdown, gives up writing after the time allowed when the database stays away', async () => {
    const { store, writer } = setUp();
    const [a, b] = await claim(store, 2);
    store.finishGate = new Gate();
    writer.release(a!);
    await expect(writer.writeRemaining(30)).resolves.toBe(false);
    store.finishGate.release();
    store.finishGate = undefined;
    writer.release(b!);
    await expect(writer.writeRemaining(1_000)).resolves.toBe(true);
    expect(store.inState('pending').map((j) => j.attempts)).toEqual([0, 0]);
  });

  it('once it gave up at shutdown, stops retrying the write (the process can exit)', async () => {
    const { store, writer } = setUp();
    const [a] = await claim(store, 1);
    store.failFinishes = 1_000;
    writer.release(a!);
    await expect(writer.writeRemaining(50)).resolves.toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    const tries = store.failFinishes;
    await new Promise((r) => setTimeout(r, 400)); // longer than two retry waits (100 and 200 ms)
    expect(store.failFinishes).toBe(tries);
  });
});
