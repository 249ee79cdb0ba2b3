import type { JobAttemptRecord } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { ledgerRows, openReliabilityEnv } from '../helpers/reliability.util.js';

/** Per-job `timeoutMs`, from `@Job()` and at enqueue: the signal fires, the attempt fails with JobTimeoutError, retries apply. */
describe.each(DB_KINDS)('job timeouts on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(
    async () =>
      void ({ db, t } = await openReliabilityEnv(kind, { defaultBackoff: { baseMs: 10, maxMs: 10, jitter: false } })),
  );
  afterEach(() => closeJobsEnv({ db, t }));

  const expectTimedOut = async (id: string, attempts: number) => {
    const job = await t.queue.get(id);
    expect(job).toMatchObject({
      state: 'failed',
      attempts,
      error: expect.objectContaining({ name: 'JobTimeoutError' }),
    });
    expect(job.attemptLog.map((e: JobAttemptRecord) => [e.attempt, e.outcome, e.error?.name])).toEqual(
      Array.from({ length: attempts }, (_, i) => [i + 1, 'timeout', 'JobTimeoutError']),
    );
    const events = (await ledgerRows(t.orm, id)).map((r) => `${r.attempt}:${r.event}`);
    for (let a = 1; a <= attempts; a++) expect(events).toContain(`${a}:abort:JobTimeoutError`);
  };

  it('@Job({ timeoutMs }) aborts the handler, fails the attempt with JobTimeoutError and retries', async () => {
    const job = await t.queue.enqueue('rel.timeout', { ms: 10_000 });
    const started = Date.now();
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expectTimedOut(job.id, 2); // maxAttempts 2 on @Job
  });

  it('timeoutMs at enqueue applies, and overrides the @Job one', async () => {
    const short = await t.queue.enqueue('rel.watch', { ms: 10_000 }, { timeoutMs: 200, maxAttempts: 3 });
    const longer = await t.queue.enqueue('rel.timeout', { ms: 600 }, { timeoutMs: 5_000 });
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    await expectTimedOut(short.id, 3);
    expect(await t.queue.get(longer.id)).toMatchObject({ state: 'completed', attempts: 1, output: { done: true } });
  });

  it('a handler that never settles is ended by its timeout and the consumer carries on', async () => {
    const hang = await t.queue.enqueue('rel.hang', null, { timeoutMs: 300 });
    const ok = await t.queue.enqueue('test.echo', { fine: true });
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    await expectTimedOut(hang.id, 1);
    expect((await t.queue.get(ok.id)).state).toBe('completed');
  });
});
