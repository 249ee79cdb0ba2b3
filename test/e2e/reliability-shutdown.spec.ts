import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import type { JobsTestApp } from '../helpers/jobs-app.js';
import {
  countJobs,
  openReliabilityEnv,
  closeReliabilityEnv,
  ledgerRows,
  startConsumer,
} from '../helpers/reliability.util.js';
import { waitUntil } from '../helpers/spawned-process.js';

/**
 * Graceful shutdown of a real consumer process: after SIGTERM no job starts, running jobs finish
 * within the grace period and the process exits 0; jobs still running after the grace are aborted
 * and handed back without using up an attempt; a second signal stops at once.
 */
describe.each(DB_KINDS)('SIGTERM on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openReliabilityEnv(kind)));
  afterEach(() => closeReliabilityEnv({ db, t }));

  const starts = async () => (await ledgerRows(t.orm)).filter((r) => r.event === 'start');

  it('starts nothing after the signal, lets running jobs finish, exits 0 within the grace period + 1 s', async () => {
    const running = await t.queue.enqueueMany([1, 2, 3].map(() => ({ name: 'rel.watch', input: { ms: 2_500 } })));
    const waiting = await t.queue.enqueueMany(
      Array.from({ length: 20 }, () => ({ name: 'rel.watch', input: { ms: 10 } })),
    );
    const c = await startConsumer(db, { consumer: { concurrency: 3, shutdownGraceMs: 6_000 } });
    await waitUntil(async () => (await starts()).length === 3, 'three jobs running');
    // The jobs run 2.5 s: a loaded machine may take a while to see three starts and deliver the
    // signal, and a job that finished before the signal would free its slot for a waiting one.
    const signalledAt = Date.now();
    c.child.signal('SIGTERM');
    const exit = await c.child.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(6_000 + 1_000);
    expect((await starts()).map((r) => r.job_id).sort()).toEqual(running.map((j) => j.id).sort());
    for (const j of running) expect((await t.queue.get(j.id)).state).toBe('completed');
    for (const j of waiting) expect(await t.queue.get(j.id)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('hands back jobs still running after the grace period without using an attempt', async () => {
    const jobs = await t.queue.enqueueMany([1, 2].map(() => ({ name: 'rel.watch', input: { ms: 30_000 } })));
    const c = await startConsumer(db, { consumer: { concurrency: 2, shutdownGraceMs: 1_000 } });
    await waitUntil(async () => (await starts()).length === 2, 'two jobs running');
    const signalledAt = Date.now();
    c.child.signal('SIGTERM');
    const exit = await c.child.exited;
    expect(exit.code).toBe(0);
    // Far below the jobs' 30 s; the rest is the abort, the hand-back and closing the app.
    expect(exit.at - signalledAt).toBeLessThan(1_000 + 4_000);
    for (const j of jobs)
      expect(await t.queue.get(j.id)).toMatchObject({ state: 'pending', attempts: 0, attemptLog: [] });
    const aborts = (await ledgerRows(t.orm)).filter((r) => r.event.startsWith('abort:'));
    expect(aborts.map((r) => r.event)).toEqual(['abort:ConsumerShutdownError', 'abort:ConsumerShutdownError']);
  });

  it('a second signal stops at once and hands the running jobs back', async () => {
    const jobs = await t.queue.enqueueMany([1, 2].map(() => ({ name: 'rel.watch', input: { ms: 30_000 } })));
    const c = await startConsumer(db, { consumer: { concurrency: 2, shutdownGraceMs: 30_000 } });
    await waitUntil(async () => (await starts()).length === 2, 'two jobs running');
    c.child.signal('SIGTERM');
    await c.child.waitFor(/SIGTERM: no new jobs/);
    const secondAt = Date.now();
    c.child.signal('SIGTERM');
    const exit = await c.child.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - secondAt).toBeLessThan(4_000); // not the 30 s grace, nor the jobs' 30 s
    for (const j of jobs) expect(await t.queue.get(j.id)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(await countJobs(t.orm, `state = 'running'`)).toBe(0);
  });
});
