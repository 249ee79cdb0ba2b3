import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import type { JobsTestApp } from '../helpers/jobs-app.js';
import { countJobs, openReliabilityEnv, closeReliabilityEnv, startConsumer } from '../helpers/reliability.util.js';
import { waitUntil } from '../helpers/spawned-process.js';

/**
 * Poison jobs in a real consumer process: handlers that throw values that are not Errors, never
 * settle, or leave unhandled rejections behind. The consumer survives, records each failure, and
 * the other jobs complete.
 */
describe.each(DB_KINDS)('poison jobs on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openReliabilityEnv(kind)));
  afterEach(() => closeReliabilityEnv({ db, t }));

  it('throws of non-Errors, a handler that never settles and unhandled rejections do not take the consumer down', async () => {
    const kinds = ['string', 'number', 'null', 'undefined', 'object', 'symbol', 'undescribable'];
    const throwers = await t.queue.enqueueMany(kinds.map((k) => ({ name: 'rel.throw', input: { kind: k } })));
    const hang = await t.queue.enqueue('rel.hang', null, { timeoutMs: 500 });
    const stray = await t.queue.enqueueMany([1, 2].map(() => ({ name: 'rel.unhandled', input: null })));
    const fine = await t.queue.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ name: 'test.echo', input: { i } })));
    const c = await startConsumer(db, { consumer: { concurrency: 4, pollIntervalMs: 100 } });

    await waitUntil(
      async () => (await countJobs(t.orm, `state IN ('pending', 'running')`)) === 0,
      'every job to end',
      20_000,
    );
    for (const j of throwers) {
      const job = await t.queue.get(j.id);
      expect(job.state).toBe('failed');
      expect(job.error).toMatchObject({ name: 'NonErrorThrown', message: expect.stringContaining('not an Error') });
      expect(job.attemptLog).toHaveLength(1);
    }
    expect(await t.queue.get(hang.id)).toMatchObject({ state: 'failed', error: { name: 'JobTimeoutError' } });
    for (const j of [...stray, ...fine]) expect((await t.queue.get(j.id)).state).toBe('completed');
    await c.child.waitFor(/unhandled rejection in a job handler: Error: stray rejection/);
    await c.child.waitFor(/unhandled rejection in a job handler: late stray rejection/);

    // Still alive and working: one more job, then a clean stop.
    const after = await t.queue.enqueue('test.echo', { after: true });
    expect((await t.queue.waitFor(after.id, { timeoutMs: 10_000 })).state).toBe('completed');
    expect(c.child.alive).toBe(true);
    c.child.signal('SIGTERM');
    expect((await c.child.exited).code).toBe(0);
  });
});
