/**
 * JobQueue: enqueue, enqueueMany (all or nothing), get, cancel and waitFor, on both databases.
 */
import {
  InvalidJobInputError,
  InvalidJobOptionsError,
  JobNotFoundError,
  JobState,
  NonJsonValueError,
  type JobRecord,
  UnknownJobError,
  WaitTimeoutError,
} from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { countRows, ledgerRows } from '../helpers/job-rows.js';
import { ROWS_PER_INSERT } from '../../lib/persistence/job.store.js';

describe.each(DB_KINDS)('enqueue, get, cancel, waitFor on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openJobsEnv(kind)));
  afterEach(() => closeJobsEnv({ db, t }));

  it('enqueue returns the stored job with its defaults, and get returns the same record', async () => {
    const before = Date.now();
    const job = await t.queue.enqueue('test.echo', { hello: 'world', list: [1, 'two', null, { deep: true }] });
    expect(job).toMatchObject({
      name: 'test.echo',
      queue: 'default',
      state: JobState.Pending,
      priority: 0,
      input: { hello: 'world', list: [1, 'two', null, { deep: true }] },
      output: null,
      error: null,
      attemptLog: [],
      attempts: 0,
      maxAttempts: 3,
      timeoutMs: null,
      startedAt: null,
      finishedAt: null,
      pipelineId: null,
      uniqueKey: null,
    });
    expect(typeof job.id).toBe('string');
    expect(job.createdAt).toBeInstanceOf(Date);
    expect(job.runAfter).toBeInstanceOf(Date);
    // Same machine, same clock: created "now", give or take a generous margin for the database clock.
    expect(Math.abs(job.createdAt.getTime() - before)).toBeLessThan(60_000);
    expect(await t.queue.get(job.id)).toEqual(job);
    expect(await t.queue.get(Number(job.id))).toEqual(job);
  });

  it('enqueue options override the @Job() options, which override the module defaults', async () => {
    const runAfter = new Date(Date.now() + 3_600_000);
    const job = await t.queue.enqueue('test.fail', null, {
      priority: 7,
      queue: 'slow',
      maxAttempts: 9,
      runAfter,
      timeoutMs: 5000,
    });
    expect(job).toMatchObject({ priority: 7, queue: 'slow', maxAttempts: 9, timeoutMs: 5000 });
    expect(job.runAfter.getTime()).toBe(runAfter.getTime());
    // test.fail declares maxAttempts 3 and a backoff in @Job(); without overrides they apply.
    const plain = await t.queue.enqueue('test.fail', null);
    expect(plain.maxAttempts).toBe(3);
    expect(plain.backoff).toMatchObject({ baseMs: 20, maxMs: 100, jitter: false });
  });

  it('enqueueMany writes every job in order and returns them', async () => {
    const jobs = await t.queue.enqueueMany([
      { name: 'test.echo', input: { n: 1 } },
      { name: 'test.gpu', input: { n: 2 }, queue: 'gpu', priority: 3 },
      { name: 'test.echo', input: { n: 3 } },
    ]);
    expect(jobs.map((j) => [j.name, j.input, j.queue, j.priority])).toEqual([
      ['test.echo', { n: 1 }, 'default', 0],
      ['test.gpu', { n: 2 }, 'gpu', 3],
      ['test.echo', { n: 3 }, 'default', 0],
    ]);
    const ids = jobs.map((j) => Number(j.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(3);
    expect(await countRows(t.orm)).toBe(3);
    expect(await t.queue.enqueueMany([])).toEqual([]);
  });

  it('enqueueMany returns for each job the record get() reads back, whichever options vary in the batch', async () => {
    // The records are built from what was written (not read back), and a column with one value for
    // the whole batch travels as one parameter: every option varies in some row here.
    const runAfter = new Date(Date.now() + 3_600_000);
    const jobs = await t.queue.enqueueMany([
      { name: 'test.echo', input: { b: 1, a: [true, null, 'x'] } },
      { name: 'test.echo', input: 'text', priority: 5, runAfter, timeoutMs: 1000 },
      { name: 'test.fail', input: null, maxAttempts: 7, backoff: { baseMs: 5 }, uniqueKey: 'vary:1' },
      { name: 'test.gpu', input: 42, queue: 'gpu' },
    ]);
    expect(jobs.map((j) => [j.priority, j.timeoutMs, j.maxAttempts, j.queue, j.uniqueKey])).toEqual([
      [0, null, 3, 'default', null],
      [5, 1000, 3, 'default', null],
      [0, null, 7, 'default', 'vary:1'],
      [0, null, 3, 'gpu', null],
    ]);
    expect(jobs[0]!.backoff).toBeNull();
    expect(jobs[2]!.backoff).toMatchObject({ baseMs: 5 });
    expect(jobs[1]!.runAfter.getTime()).toBe(runAfter.getTime());
    for (const job of jobs) expect(await t.queue.get(job.id)).toEqual(job);
  });

  it('enqueueMany without unique keys returns the records get() reads back, whichever options vary', async () => {
    // No unique key: on PostgreSQL each statement returns only its ids and its clock, and the
    // records are built from the rows as written.
    const runAfter = new Date(Date.now() + 3_600_000);
    const jobs = await t.queue.enqueueMany([
      { name: 'test.echo', input: { b: 1 } },
      { name: 'test.echo', input: 'text', priority: 5, runAfter, timeoutMs: 1000 },
      { name: 'test.fail', input: null, maxAttempts: 7, backoff: { baseMs: 5 }, concurrencyKey: 'k' },
      { name: 'test.gpu', input: 42, queue: 'gpu' },
    ]);
    expect(jobs[1]!.runAfter.getTime()).toBe(runAfter.getTime());
    expect(jobs[0]!.runAfter.getTime()).toBe(jobs[0]!.createdAt.getTime());
    for (const job of jobs) expect(await t.queue.get(job.id)).toEqual(job);
  });

  it(`enqueueMany of more jobs than one statement takes inside the caller's transaction ({ em }): in order, as get() reads them, all or nothing`, async () => {
    const n = ROWS_PER_INSERT * 2 + 500;
    const runAfter = new Date(Date.now() + 60_000);
    const items = Array.from({ length: n }, (_, i) => ({
      name: 'test.echo' as const,
      input: { i },
      ...(i % 7 === 0 ? { runAfter, priority: 3 } : {}),
    }));
    const jobs: JobRecord[] = await t.orm.em.fork().transactional((em: any) => t.queue.enqueueMany(items, { em }));
    expect(jobs.map((j) => j.input)).toEqual(items.map((it) => it.input));
    const ids = jobs.map((j) => Number(j.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    for (const k of [0, 7, ROWS_PER_INSERT, ROWS_PER_INSERT + 1, n - 1])
      expect(await t.queue.get(jobs[k]!.id)).toEqual(jobs[k]);
    // The caller's transaction rolls back: none of a second batch stays.
    await expect(
      t.orm.em.fork().transactional(async (em: any) => {
        await t.queue.enqueueMany(items, { em });
        throw new Error('caller gives up');
      }),
    ).rejects.toThrow('caller gives up');
    expect(await countRows(t.orm)).toBe(n);
  });

  // More than ROWS_PER_INSERT rows go in several statements of one transaction (the next sent
  // while this process maps the last): still in input order, and all or nothing.
  it(`enqueueMany of more jobs than one statement takes (${ROWS_PER_INSERT}): in order, and nothing written when a later statement fails`, async () => {
    const n = ROWS_PER_INSERT * 2 + 500;
    const items = Array.from({ length: n }, (_, i) => ({ name: 'test.echo' as const, input: { i } }));
    const jobs = await t.queue.enqueueMany(items);
    expect(jobs.map((j) => j.input)).toEqual(items.map((it) => it.input));
    const ids = jobs.map((j) => Number(j.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(n);
    for (const k of [0, ROWS_PER_INSERT, n - 1]) expect(await t.queue.get(jobs[k]!.id)).toEqual(jobs[k]);
    expect(await countRows(t.orm)).toBe(n);

    // The database refuses a row of the last statement (a rule of the test's own: no priority 77).
    const refuse77 =
      kind === 'sqlite'
        ? `CREATE TRIGGER test_no_77 BEFORE INSERT ON queue_job WHEN NEW.priority = 77 BEGIN SELECT RAISE(ABORT, 'priority 77'); END`
        : `ALTER TABLE queue_job ADD CONSTRAINT test_no_77 CHECK (priority <> 77)`;
    await t.orm.em.getConnection().execute(refuse77);
    const bad = items.map((it, i) => (i === n - 2 ? { ...it, priority: 77 } : it));
    await expect(t.queue.enqueueMany(bad)).rejects.toThrow();
    expect(await countRows(t.orm)).toBe(n); // none of the second batch
  });

  // Such a batch is built a statement's worth at a time, while the database writes the one before:
  // an item of a later statement that fails its checks must still leave nothing written.
  it.each([
    ['an unknown name', { name: 'test.nope', input: {} }, UnknownJobError],
    ['a non-JSON input', { name: 'test.echo', input: { when: new Date() } }, NonJsonValueError],
    ['a bad option', { name: 'test.echo', input: {}, priority: 0.5 }, InvalidJobOptionsError],
    ['an input its DTO refuses', { name: 'test.greet', input: { name: 'x', times: -1 } }, InvalidJobInputError],
  ])(
    `enqueueMany of more jobs than one statement takes with %s in its last statement writes nothing`,
    async (_what, bad, ErrorClass) => {
      const n = ROWS_PER_INSERT * 2 + 500;
      const items: any[] = Array.from({ length: n }, (_, i) =>
        // DTO jobs through the batch, so every statement's rows are validated before they are sent.
        i % 100 === 0
          ? { name: 'test.greet', input: { name: `n${i}`, times: 1 } }
          : { name: 'test.echo', input: { i } },
      );
      items[n - 2] = bad;
      await expect(t.queue.enqueueMany(items)).rejects.toBeInstanceOf(ErrorClass);
      expect(await countRows(t.orm)).toBe(0);
      // The same batch without the bad item is written whole, in order.
      items[n - 2] = { name: 'test.echo', input: { i: n - 2 } };
      const jobs = await t.queue.enqueueMany(items);
      expect(jobs.map((j) => j.input)).toEqual(items.map((it) => it.input));
      expect(await countRows(t.orm)).toBe(n);
    },
  );

  it.each([
    ['an unknown name', { name: 'test.nope', input: {} }, UnknownJobError],
    ['a non-JSON input', { name: 'test.echo', input: { when: new Date() } }, NonJsonValueError],
    ['a bad option', { name: 'test.echo', input: {}, priority: 0.5 }, InvalidJobOptionsError],
  ])('enqueueMany with one item with %s writes nothing', async (_what, bad, ErrorClass) => {
    const items = [
      { name: 'test.echo', input: { n: 1 } },
      { name: 'test.echo', input: { n: 2 } },
      bad as any,
      { name: 'test.echo', input: { n: 4 } },
    ];
    await expect(t.queue.enqueueMany(items)).rejects.toBeInstanceOf(ErrorClass);
    expect(await countRows(t.orm)).toBe(0);
  });

  it('get of an unknown id throws JobNotFoundError', async () => {
    await t.queue.enqueue('test.echo', {});
    await expect(t.queue.get('987654321')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(t.queue.get(987654321)).rejects.toBeInstanceOf(JobNotFoundError);
    // Not even a number: still "no such job", not a database error.
    await expect(t.queue.get('not-an-id')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(t.queue.get('9999999999999999999')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(t.queue.get(-1)).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(t.queue.get(1.5)).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(t.queue.cancel('987654321')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(t.queue.cancel('not-an-id')).rejects.toBeInstanceOf(JobNotFoundError);
    // Pipelines too.
    await expect(t.queue.getPipeline('987654321')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(t.queue.getPipeline('not-an-id')).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(t.queue.cancelPipeline('not-an-id')).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('cancel of a pending job ends it cancelled, and no consumer runs it', async () => {
    const doomed = await t.queue.enqueue('test.ledger', null);
    const kept = await t.queue.enqueue('test.echo', { kept: true });
    const cancelled = await t.queue.cancel(doomed.id);
    expect(cancelled.state).toBe(JobState.Cancelled);
    expect(cancelled.finishedAt).toBeInstanceOf(Date);
    expect(cancelled.attempts).toBe(0);

    const summary = await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect(summary.processed).toBe(1);
    expect((await t.queue.get(doomed.id)).state).toBe(JobState.Cancelled);
    expect((await t.queue.get(kept.id)).state).toBe(JobState.Completed);
    expect(await ledgerRows(t.orm)).toEqual([]);
    // Cancelling a finished job changes nothing.
    expect((await t.queue.cancel(kept.id)).state).toBe(JobState.Completed);
    expect((await t.queue.cancel(doomed.id)).state).toBe(JobState.Cancelled);
  });

  it('waitFor resolves with the finished job, or throws WaitTimeoutError', async () => {
    const job = await t.queue.enqueue('test.echo', { n: 1 });
    await expect(t.queue.waitFor(job.id, { timeoutMs: 150, pollIntervalMs: 20 })).rejects.toBeInstanceOf(
      WaitTimeoutError,
    );
    const waiting = t.queue.waitFor(job.id, { timeoutMs: 30_000, pollIntervalMs: 20 });
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const done = await waiting;
    expect(done.state).toBe(JobState.Completed);
    expect(done.output).toEqual({ n: 1 });
    expect(done.attempts).toBe(1);
    expect(done.startedAt).toBeInstanceOf(Date);
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
    await expect(t.queue.waitFor('987654321', { timeoutMs: 100 })).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('uniqueKey: a second enqueue while the first is unfinished returns the first job; after it, a new one', async () => {
    const first = await t.queue.enqueue('test.echo', { n: 1 }, { uniqueKey: 'sync:42' });
    const again = await t.queue.enqueue('test.echo', { n: 2 }, { uniqueKey: 'sync:42' });
    expect(again.id).toBe(first.id);
    expect(again.input).toEqual({ n: 1 });
    const batch = await t.queue.enqueueMany([
      { name: 'test.echo', input: { n: 3 }, uniqueKey: 'sync:42' },
      { name: 'test.echo', input: { n: 4 }, uniqueKey: 'sync:43' },
      { name: 'test.echo', input: { n: 5 }, uniqueKey: 'sync:43' },
    ]);
    expect(batch[0]!.id).toBe(first.id);
    expect(batch[2]!.id).toBe(batch[1]!.id);
    expect(await countRows(t.orm)).toBe(2);
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const later = await t.queue.enqueue('test.echo', { n: 6 }, { uniqueKey: 'sync:42' });
    expect(later.id).not.toBe(first.id);
    expect(later.state).toBe(JobState.Pending);
  });

  it('queueDepths counts unfinished jobs per queue', async () => {
    await t.queue.enqueueMany([
      { name: 'test.echo', input: 1 },
      { name: 'test.echo', input: 2 },
      { name: 'test.gpu', input: 3, queue: 'gpu' },
    ]);
    expect(await t.queue.queueDepths()).toEqual({
      default: { pending: 2, due: 2, scheduled: 0, running: 0, blocked: 0 },
      gpu: { pending: 1, due: 1, scheduled: 0, running: 0, blocked: 0 },
    });
  });

  it('queueDepths counts due and future-scheduled pending jobs apart, for the queues asked', async () => {
    const hour = new Date(Date.now() + 3_600_000);
    await t.queue.enqueueMany([
      { name: 'test.echo', input: 1 },
      { name: 'test.echo', input: 2, runAfter: hour },
      { name: 'test.echo', input: 3, runAfter: hour },
      { name: 'test.echo', input: 4, queue: 'mail', runAfter: hour },
      { name: 'test.sleep', input: { ms: 60_000 }, queue: 'slow' },
    ]);
    expect(await t.queue.queueDepths()).toEqual({
      default: { pending: 3, due: 1, scheduled: 2, running: 0, blocked: 0 },
      mail: { pending: 1, due: 0, scheduled: 1, running: 0, blocked: 0 },
      slow: { pending: 1, due: 1, scheduled: 0, running: 0, blocked: 0 },
    });
    // Only the queues asked, each listed even when it holds no job.
    expect(await t.queue.queueDepths(['mail', 'empty'])).toEqual({
      mail: { pending: 1, due: 0, scheduled: 1, running: 0, blocked: 0 },
      empty: { pending: 0, due: 0, scheduled: 0, running: 0, blocked: 0 },
    });
  });

  it.each([[[]], [['']], ['mail'], [[1]]])('queueDepths(%p) throws InvalidJobOptionsError', async (queues) => {
    await expect(t.queue.queueDepths(queues as any)).rejects.toBeInstanceOf(InvalidJobOptionsError);
  });
});
