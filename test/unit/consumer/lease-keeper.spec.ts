import { ClaimBuffer } from '../../../lib/consumer/claim-buffer.js';
import type { RunningJob } from '../../../lib/consumer/job-slots.js';
import { LeaseKeeper } from '../../../lib/consumer/lease-keeper.js';
import { JobCancelledError } from '../../../lib/errors/job-cancelled.error.js';
import { LeaseLostError } from '../../../lib/errors/lease-lost.error.js';
import type { ClaimedJob } from '../../../lib/persistence/row.mapper.js';
import { FakeJobStore, Gate } from '../fakes/fake-job.store.js';
import { FakeLogger } from '../fakes/fake-logger.js';
import { stubClock, until } from '../fakes/timing.util.js';

const CONSUMER = 'c1';
const LEASE_MS = 30_000;

/** A lease keeper over `running` claimed jobs (started) and `buffered` ones, with an hour between heartbeats. */
async function setUp(running: number, buffered: number) {
  const store = new FakeJobStore();
  const logger = new FakeLogger();
  store.add(running + buffered);
  const claimed = await store.claim({
    consumerId: CONSUMER,
    limit: running + buffered,
    leaseMs: LEASE_MS,
    names: ['work'],
  });
  const runningJobs = new Map<string, RunningJob>();
  for (const job of claimed.slice(0, running))
    runningJobs.set(job.id, { job, controller: new AbortController(), done: Promise.resolve() });
  const buffer = new ClaimBuffer({ consumerId: CONSUMER, leaseMs: LEASE_MS, names: ['work'] });
  buffer.add(claimed.slice(running), buffered);
  const unflushed = new Map<string, number>();
  const handedBack: string[] = [];
  const forgotten: string[] = [];
  let wakes = 0;
  const keeper = new LeaseKeeper(
    { consumerId: CONSUMER, leaseMs: LEASE_MS, heartbeatMs: 3_600_000 },
    {
      store,
      running: runningJobs,
      buffer,
      unflushed,
      handBack: (job: ClaimedJob) => void handedBack.push(job.id),
      forget: (job: ClaimedJob) => void forgotten.push(job.id),
      wake: () => void (wakes += 1),
      logger,
    },
  );
  const abortReason = (id: string) => runningJobs.get(id)!.controller.signal.reason as Error | undefined;
  return {
    store,
    logger,
    keeper,
    claimed,
    runningJobs,
    buffer,
    unflushed,
    handedBack,
    forgotten,
    wakes: () => wakes,
    abortReason,
  };
}

describe('LeaseKeeper', () => {
  it('renews the leases of running, unwritten and buffered jobs, and aborts none it still holds', async () => {
    const t = await setUp(2, 1);
    t.unflushed.set('99', 2);
    await t.keeper.heartbeat();
    expect(t.store.heartbeats[0]).toEqual([
      { id: '1', attempt: 1 },
      { id: '2', attempt: 1 },
      { id: '99', attempt: 2 },
      { id: '3', attempt: 1 },
    ]);
    expect(t.abortReason('1')).toBeUndefined();
    expect(t.buffer.size).toBe(1);
  });

  it('aborts a running job whose lease this consumer lost', async () => {
    const t = await setUp(2, 0);
    t.store.takeOver('2');
    await t.keeper.heartbeat();
    expect(t.abortReason('1')).toBeUndefined();
    expect(t.abortReason('2')).toBeInstanceOf(LeaseLostError);
  });

  it('aborts a running job whose cancel was requested', async () => {
    const t = await setUp(2, 0);
    t.store.requestCancel('1');
    await t.keeper.heartbeat();
    expect(t.abortReason('1')).toBeInstanceOf(JobCancelledError);
    expect(t.abortReason('2')).toBeUndefined();
  });

  it('hands back a buffered job whose cancel was requested, and drops one whose lease was lost', async () => {
    const t = await setUp(0, 3);
    t.store.requestCancel('1');
    t.store.takeOver('3');
    await t.keeper.heartbeat();
    expect(t.handedBack).toEqual(['1']);
    expect(t.forgotten).toEqual(['3']);
    expect(t.buffer.buffered.map((j) => j.id)).toEqual(['2']);
    expect(t.logger.has('warn', "job 3 'work': lease lost before it started")).toBe(true);
  });

  it('does not abort a job started while the heartbeat was on its way (it was not asked about)', async () => {
    const t = await setUp(1, 0);
    t.store.heartbeatGate = new Gate();
    const beat = t.keeper.heartbeat();
    await until(() => t.store.heartbeatGate!.held === 1);
    t.store.add(1);
    const [job] = await t.store.claim({ consumerId: CONSUMER, limit: 1, leaseMs: LEASE_MS, names: ['work'] });
    t.runningJobs.set(job!.id, { job: job!, controller: new AbortController(), done: Promise.resolve() });
    t.store.heartbeatGate.release();
    await beat;
    expect(t.abortReason(job!.id)).toBeUndefined();
  });

  it('after a failed heartbeat, aborts nothing until the lease could have lapsed, then everything', async () => {
    const clock = stubClock();
    try {
      const t = await setUp(1, 1);
      t.store.failHeartbeats = 2;
      await t.keeper.heartbeat();
      expect(t.abortReason('1')).toBeUndefined();
      expect(t.store.rescues).toBe(0);
      clock.advance(LEASE_MS + 1);
      await t.keeper.heartbeat();
      expect(t.abortReason('1')).toBeInstanceOf(LeaseLostError);
      expect(t.buffer.size).toBe(0);
      expect(t.forgotten).toEqual(['2']);
      expect(t.handedBack).toEqual([]);
    } finally {
      clock.restore();
    }
  });

  it('rescues after each heartbeat and wakes the loop when it rescued a job', async () => {
    const t = await setUp(0, 0);
    await t.keeper.heartbeat();
    expect(t.store.rescues).toBe(1);
    expect(t.wakes()).toBe(0);
    t.store.rescuable = [{ id: '7', name: 'work', state: 'pending' }];
    await t.keeper.heartbeat();
    expect(t.wakes()).toBe(1);
    expect(t.logger.has('warn', "rescued job 7 'work'")).toBe(true);
  });

  it('skips a heartbeat while the previous one still runs', async () => {
    const t = await setUp(1, 0);
    t.store.heartbeatGate = new Gate();
    const first = t.keeper.heartbeat();
    await until(() => t.store.heartbeatGate!.held === 1);
    await t.keeper.heartbeat();
    t.store.heartbeatGate.release();
    await first;
    expect(t.store.heartbeats).toHaveLength(1);
  });

  it('stop waits for the heartbeat in flight, so no query outlives the consumer', async () => {
    const t = await setUp(1, 0);
    t.store.heartbeatGate = new Gate();
    void t.keeper.heartbeat();
    await until(() => t.store.heartbeatGate!.held === 1);
    let stopped = false;
    const stopping = t.keeper.stop().then(() => (stopped = true));
    await new Promise((r) => setImmediate(r));
    expect(stopped).toBe(false);
    t.store.heartbeatGate.release();
    await stopping;
    expect(stopped).toBe(true);
  });
});
