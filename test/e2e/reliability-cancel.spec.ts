import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import type { JobsTestApp } from '../helpers/jobs-app.js';
import { openReliabilityEnv, closeReliabilityEnv, ledgerRows, startConsumer } from '../helpers/reliability.util.js';
import { waitUntil } from '../helpers/spawned-process.js';

/** Cancelling a job that runs in another process, with the default heartbeat: its signal fires at the next heartbeat (within seconds, not the 10 s lease) and it ends cancelled. */
describe.each(DB_KINDS)('cancel a running job on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openReliabilityEnv(kind)));
  afterEach(() => closeReliabilityEnv({ db, t }));

  it('aborts the handler in the consumer process and ends the job cancelled; other jobs go on', async () => {
    const [victim, other] = await t.queue.enqueueMany([
      { name: 'rel.watch', input: { ms: 60_000 } },
      { name: 'rel.watch', input: { ms: 1_500 } },
    ]);
    const c = await startConsumer(db, { consumer: { concurrency: 2 } });
    await waitUntil(
      async () => (await ledgerRows(t.orm)).filter((r) => r.event === 'start').length === 2,
      'both jobs running',
    );

    const cancelledAt = Date.now();
    const returned = await t.queue.cancel(victim!.id);
    expect(returned.state).toBe('running'); // the consumer ends it at its next heartbeat
    await waitUntil(
      async () => (await ledgerRows(t.orm, victim!.id)).some((r) => r.event === 'abort:JobCancelledError'),
      'the handler signal to abort',
      8_000,
      20,
    );
    // At the next heartbeat (every 1 s), not when the 10 s lease runs out; a loaded machine may be
    // late with the heartbeat's timer and with the handler's write.
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);

    const done = await t.queue.waitFor(victim!.id, { timeoutMs: 5_000 });
    expect(done.state).toBe('cancelled');
    expect((await t.queue.waitFor(other!.id, { timeoutMs: 10_000 })).state).toBe('completed');
    expect(c.child.alive).toBe(true);
  });
});
