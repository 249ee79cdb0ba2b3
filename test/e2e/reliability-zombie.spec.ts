import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { JobAttemptRecord } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import type { JobsTestApp } from '../helpers/jobs-app.js';
import { openReliabilityEnv, closeReliabilityEnv, ledgerRows, startConsumer } from '../helpers/reliability.util.js';
import { waitUntil } from '../helpers/spawned-process.js';

/**
 * Fencing: a consumer frozen with SIGSTOP past its lease is a zombie. Another consumer rescues its
 * jobs and completes them. When the zombie resumes, its completion of one job changes 0 rows (and it
 * logs that it lost the lease), the handler of the other sees its AbortSignal fire, and each job
 * completes exactly once, with the rescuer's output.
 */
describe.each(DB_KINDS)('zombie consumer on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;
  const jobs = { leaseMs: 1_500, heartbeatMs: 250 };

  beforeEach(async () => void ({ db, t } = await openReliabilityEnv(kind)));
  afterEach(() => closeReliabilityEnv({ db, t }));

  it('a consumer frozen past its lease cannot complete, is aborted, and each job completes once', async () => {
    // A finishes the moment the zombie resumes (a late completion); B is still running then.
    // B first, so it has started before A stalls the zombie's event loop.
    const b = await t.queue.enqueue('rel.watch', { ms: 6_000 });
    const marker = join(mkdtempSync(join(tmpdir(), 'zombie-')), 'spinning');
    const a = await t.queue.enqueue('rel.stall', { stallIn: 'zombie', marker });
    const zombie = await startConsumer(db, { jobs, name: 'zombie', consumer: { concurrency: 2, pollIntervalMs: 100 } });
    await waitUntil(
      async () => {
        const rows = await ledgerRows(t.orm);
        return (
          rows.some((r) => r.job_id === b.id && r.event === 'start') &&
          rows.some((r) => r.job_id === a.id && r.event === 'stalling') &&
          existsSync(marker) // the zombie is spinning now (see rel.stall)
        );
      },
      'the zombie to start both jobs',
      20_000,
      20,
    );

    zombie.child.signal('SIGSTOP');
    const rescuer = await startConsumer(db, {
      jobs,
      name: 'rescuer',
      consumer: { concurrency: 2, pollIntervalMs: 100 },
    });
    await waitUntil(
      async () => (await ledgerRows(t.orm)).filter((r) => r.event === 'start' && r.consumer === 'rescuer').length === 2,
      'the rescuer to run both jobs',
      20_000,
    );
    zombie.child.signal('SIGCONT');

    await zombie.child.waitFor(
      new RegExp(`job ${a.id}: result not written, this consumer no longer holds its lease`),
      10_000,
    );
    await zombie.child.waitFor(new RegExp(`job ${b.id} 'rel.watch' attempt 1/\\d+: lease lost`), 10_000);
    const [doneA, doneB] = await Promise.all([
      t.queue.waitFor(a.id, { timeoutMs: 20_000 }),
      t.queue.waitFor(b.id, { timeoutMs: 20_000 }),
    ]);

    for (const job of [doneA, doneB]) {
      expect(job.state).toBe('completed');
      expect(job.attempts).toBe(2);
      expect(job.output).toMatchObject({ consumer: 'rescuer' });
      const lost = job.attemptLog.filter((e: JobAttemptRecord) => e.outcome === 'lost');
      expect(lost).toEqual([expect.objectContaining({ attempt: 1, consumer: zombie.consumerId })]);
    }
    const ledgerB = await ledgerRows(t.orm, b.id);
    // B's zombie run was aborted (its signal fired), never finished; the rescuer's run finished once.
    expect(ledgerB.filter((r) => r.consumer === 'zombie').map((r) => r.event)).toEqual(
      expect.arrayContaining(['start', 'abort:LeaseLostError']),
    );
    expect(ledgerB.filter((r) => r.event === 'finish')).toEqual([
      expect.objectContaining({ consumer: 'rescuer', attempt: 2 }),
    ]);
    // Both consumers are alive and well.
    expect(zombie.child.alive && rescuer.child.alive).toBe(true);
    const completedRows = await t.orm.em
      .getConnection()
      .execute(`SELECT count(*) AS n FROM queue_job WHERE state = 'completed'`);
    expect(Number(completedRows[0].n)).toBe(2);
    rmSync(dirname(marker), { recursive: true, force: true });
  }, 60_000);
});
