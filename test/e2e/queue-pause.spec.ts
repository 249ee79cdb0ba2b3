import { InvalidJobOptionsError } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import type { JobsTestApp } from '../helpers/jobs-app.js';
import { closeReliabilityEnv, ledgerRows, openReliabilityEnv, startConsumer } from '../helpers/reliability.util.js';
import { waitUntil } from '../helpers/spawned-process.js';

/**
 * Pause and resume (issue 11): the pause lives in the database and the claim statement reads it, so
 * two consumer processes that were already running stop claiming from the paused queue; the job
 * running when the pause came finishes; a resume lets both claim again.
 */
describe.each(DB_KINDS)('pause and resume a queue on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openReliabilityEnv(kind)));
  afterEach(() => closeReliabilityEnv({ db, t }));

  it('two consumer processes claim nothing from a paused queue, finish what runs, and claim again on resume', async () => {
    const consumer = { concurrency: 2, pollIntervalMs: 100 };
    await Promise.all(['a', 'b'].map((name) => startConsumer(db, { name, consumer })));
    const long = await t.queue.enqueue('rel.watch', { ms: 600 }, { queue: 'mail' });
    await waitUntil(
      async () => (await ledgerRows(t.orm, long.id)).some((r) => r.event === 'start'),
      'the long mail job to start',
    );

    await t.queue.pauseQueue('mail');
    expect(await t.queue.pausedQueues()).toEqual(['mail']);
    // Enqueued before the markers and at a higher priority: claimed first by any consumer that still claimed from 'mail'.
    const mail = await t.queue.enqueueMany(
      Array.from({ length: 6 }, (_, i) => ({
        name: 'rel.watch' as const,
        input: { ms: 1, i },
        queue: 'mail',
        priority: 10,
      })),
    );
    // Markers in another queue until each process has run one: both claimed after the pause.
    const markers: string[] = [];
    await waitUntil(
      async () => {
        markers.push((await t.queue.enqueue('rel.watch', { ms: 20 })).id);
        const byWhom = new Set(
          (await ledgerRows(t.orm))
            .filter((r) => markers.includes(r.job_id) && r.event === 'finish')
            .map((r) => r.consumer),
        );
        return byWhom.size === 2;
      },
      'both consumers to run a marker job',
      30_000,
      100,
    );

    expect((await t.queue.waitFor(long.id, { timeoutMs: 30_000 })).state).toBe('completed'); // running jobs finish
    for (const j of mail) expect((await t.queue.get(j.id)).state).toBe('pending');
    const ran = new Set((await ledgerRows(t.orm)).map((r) => r.job_id));
    expect(mail.filter((j) => ran.has(j.id))).toEqual([]);
    expect((await t.queue.queueDepths()).mail).toEqual({
      pending: 6,
      due: 6,
      scheduled: 0,
      running: 0,
      blocked: 0,
      paused: true,
    });

    await t.queue.resumeQueue('mail');
    expect(await t.queue.pausedQueues()).toEqual([]);
    for (const j of mail) expect((await t.queue.waitFor(j.id, { timeoutMs: 30_000 })).state).toBe('completed');
    expect((await t.queue.queueDepths()).mail).toBeUndefined();
  }, 90_000);

  it('pauses a queue that has no jobs yet; it shows in queueDepths and holds jobs enqueued later', async () => {
    await t.queue.pauseQueue('reports');
    await t.queue.pauseQueue('reports'); // pausing twice is fine
    expect(await t.queue.queueDepths()).toEqual({
      reports: { pending: 0, due: 0, scheduled: 0, running: 0, blocked: 0, paused: true },
    });
    const held = await t.queue.enqueue('test.echo', { n: 1 }, { queue: 'reports' });
    const other = await t.queue.enqueue('test.echo', { n: 2 });
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect((await t.queue.get(other.id)).state).toBe('completed');
    expect((await t.queue.get(held.id)).state).toBe('pending');
    await t.queue.resumeQueue('reports');
    await t.queue.resumeQueue('never-paused'); // resuming a queue that is not paused changes nothing
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect((await t.queue.get(held.id)).state).toBe('completed');
    expect(await t.queue.pausedQueues()).toEqual([]);
  });

  it('refuses a name that is not a queue name with InvalidJobOptionsError, writing nothing', async () => {
    for (const bad of ['', 'q'.repeat(65), 42, null, undefined, ['mail']]) {
      await expect(t.queue.pauseQueue(bad as any)).rejects.toThrow(InvalidJobOptionsError);
      await expect(t.queue.resumeQueue(bad as any)).rejects.toThrow(InvalidJobOptionsError);
    }
    await expect(t.queue.pauseQueue('')).rejects.toThrow(/non-empty string of at most 64 characters/);
    const rows = await t.orm.em.getConnection().execute('SELECT count(*) AS n FROM queue_control');
    expect(Number(rows[0].n)).toBe(0);
  });
});
