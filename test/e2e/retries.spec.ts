/**
 * Failing handlers: retries with exponential backoff, the final failure with its message, stack and
 * every attempt, values thrown that are not Errors; and what a handler returns: its JSON output.
 */
import { Injectable } from '@nestjs/common';
import { Job, JobState, UnrecoverableJobError, type JobContext } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';

@Injectable()
class OutcomeJobs {
  /** Returns `input.value` as it is. */
  @Job('outcome.value')
  value(input: { value: unknown }) {
    return input.value;
  }

  @Job('outcome.nothing')
  async nothing() {}

  /** Throws `input.value`, whatever it is (a string, an object, null...). */
  @Job('outcome.throw', { maxAttempts: 1 })
  throwValue(input: { value: unknown; undefined?: boolean }) {
    throw input.undefined ? undefined : input.value;
  }

  /** Throws UnrecoverableJobError, or an error of the app's own flagged `unrecoverable: true`. */
  @Job('outcome.unrecoverable', { maxAttempts: 5, backoff: { baseMs: 10, jitter: false } })
  unrecoverable(input: { flagged?: boolean; flag?: unknown }) {
    if (input.flag !== undefined) throw Object.assign(new Error('flag is not true'), { unrecoverable: input.flag });
    if (input.flagged) throw Object.assign(new TypeError('account 7 was deleted'), { unrecoverable: true });
    throw new UnrecoverableJobError('contact 7 no longer exists upstream');
  }

  /** Rejects with an Error subclass, asynchronously. */
  @Job('outcome.reject', { maxAttempts: 2, backoff: { baseMs: 10, jitter: false } })
  async reject(_input: unknown, ctx: JobContext) {
    await new Promise((r) => setImmediate(r));
    throw new RangeError(`out of range on attempt ${ctx.attempt}`);
  }
}

describe.each(DB_KINDS)('retries, failures and outputs on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openJobsEnv(kind, { providers: [OutcomeJobs] })));
  afterEach(() => closeJobsEnv({ db, t }));

  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });

  it('retries a failing job with backoff until it succeeds, logging each failed attempt', async () => {
    const job = await t.queue.enqueue('test.fail', { failTimes: 2 });
    const summary = await drain();
    expect(summary).toMatchObject({ processed: 3, completed: 1, failed: 2 });
    const done = await t.queue.get(job.id);
    expect(done.state).toBe(JobState.Completed);
    expect(done.attempts).toBe(3);
    expect(done.output).toEqual({ succeededOnAttempt: 3 });
    expect(done.attemptLog.map((a) => [a.attempt, a.outcome, a.error?.message])).toEqual([
      [1, 'failed', 'failure on attempt 1'],
      [2, 'failed', 'failure on attempt 2'],
    ]);
  });

  it('waits baseMs * 2^(n-1) before retry n (no jitter)', async () => {
    const job = await t.queue.enqueue('test.fail', null, {
      maxAttempts: 5,
      backoff: { baseMs: 60_000, maxMs: 600_000, jitter: false },
    });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      await t.consumer.run({ maxJobs: 1, pollIntervalMs: 20 });
      const after = await t.queue.get(job.id);
      expect(after.state).toBe(JobState.Pending);
      expect(after.attempts).toBe(attempt);
      // The failure and the new runAfter are written by one statement, with one database clock.
      delays.push(after.runAfter.getTime() - new Date(after.attemptLog[attempt - 1]!.at).getTime());
      // Not due for a minute: make it due now rather than wait.
      await t.orm.em.fork().getConnection().execute('update queue_job set run_after = created_at');
    }
    expect(delays).toEqual([60_000, 120_000]);
  });

  it('with jitter, waits between half and all of the exponential delay', async () => {
    const job = await t.queue.enqueue('test.fail', null, {
      maxAttempts: 5,
      backoff: { baseMs: 60_000, maxMs: 600_000, jitter: true },
    });
    await t.consumer.run({ maxJobs: 1, pollIntervalMs: 20 });
    const after = await t.queue.get(job.id);
    const delay = after.runAfter.getTime() - new Date(after.attemptLog[0]!.at).getTime();
    expect(delay).toBeGreaterThanOrEqual(30_000);
    expect(delay).toBeLessThanOrEqual(60_000);
    // Still pending: an untilEmpty consumer finds nothing due.
    expect((await drain()).processed).toBe(0);
  });

  it('after the last attempt the job fails with the error message, stack and every attempt', async () => {
    const job = await t.queue.enqueue('test.fail', { message: 'boom' });
    const summary = await drain();
    expect(summary).toMatchObject({ processed: 3, completed: 0, failed: 3 });
    const failed = await t.queue.get(job.id);
    expect(failed.state).toBe(JobState.Failed);
    expect(failed.attempts).toBe(3);
    expect(failed.output).toBeNull();
    expect(failed.finishedAt).toBeInstanceOf(Date);
    expect(failed.error).toMatchObject({ name: 'Error', message: 'boom' });
    expect(failed.error!.stack).toContain('boom');
    expect(failed.error!.stack).toMatch(/fixture-jobs/);
    expect(failed.attemptLog).toHaveLength(3);
    for (const [i, a] of failed.attemptLog.entries()) {
      expect(a).toMatchObject({ attempt: i + 1, outcome: 'failed', error: { name: 'Error', message: 'boom' } });
      expect(a.error?.stack).toMatch(/fixture-jobs/);
      expect(typeof a.consumer).toBe('string');
      expect(Number.isNaN(new Date(a.at).getTime())).toBe(false);
    }
  });

  it.each([
    ['UnrecoverableJobError', {}, 'UnrecoverableJobError', 'contact 7 no longer exists upstream'],
    ['an error flagged unrecoverable: true', { flagged: true }, 'TypeError', 'account 7 was deleted'],
  ])('%s fails the job at once, whatever attempts remain', async (_what, input, name, message) => {
    const job = await t.queue.enqueue('outcome.unrecoverable', input);
    const summary = await drain();
    expect(summary).toMatchObject({ processed: 1, failed: 1 });
    const failed = await t.queue.get(job.id);
    expect(failed).toMatchObject({ state: JobState.Failed, attempts: 1, maxAttempts: 5, error: { name, message } });
    expect(failed.error!.stack).toContain(message);
    expect(failed.attemptLog.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'failed']]);
  });

  it('a flag other than true is an ordinary failure, retried', async () => {
    const job = await t.queue.enqueue('outcome.unrecoverable', { flag: 'yes' }, { maxAttempts: 2 });
    await drain();
    const failed = await t.queue.get(job.id);
    expect(failed).toMatchObject({ state: JobState.Failed, attempts: 2 });
  });

  it('keeps the name and stack of an Error subclass thrown asynchronously', async () => {
    const job = await t.queue.enqueue('outcome.reject', null);
    await drain();
    const failed = await t.queue.get(job.id);
    expect(failed.state).toBe(JobState.Failed);
    expect(failed.error).toMatchObject({ name: 'RangeError', message: 'out of range on attempt 2' });
    expect(failed.error!.stack).toMatch(/RangeError: out of range on attempt 2/);
    expect(failed.attemptLog.map((a) => a.error?.message)).toEqual([
      'out of range on attempt 1',
      'out of range on attempt 2',
    ]);
  });

  it.each([
    ['a string', { value: 'not an error object' }, 'not an error object'],
    ['an object', { value: { code: 42, reason: 'nope' } }, '"code":42'],
    ['null', { value: null }, 'null'],
    ['undefined', { value: null, undefined: true }, 'undefined'],
  ])('a thrown value that is not an Error (%s) fails the job with a readable message', async (_what, input, text) => {
    const job = await t.queue.enqueue('outcome.throw', input);
    const summary = await drain();
    expect(summary.failed).toBe(1);
    const failed = await t.queue.get(job.id);
    expect(failed.state).toBe(JobState.Failed);
    expect(failed.error!.name).toBe('NonErrorThrown');
    expect(failed.error!.message).toContain(text);
    expect(typeof failed.error!.stack).toBe('string');
    expect(failed.attemptLog).toHaveLength(1);
  });

  it('stores what the handler returns as JSON output, whatever its JSON type', async () => {
    const values = [{ nested: { list: [1, 'two', null, true] } }, 'a plain string', '42', 0, -7.25, false, [], null];
    const jobs = await t.queue.enqueueMany(values.map((value) => ({ name: 'outcome.value', input: { value } })));
    const nothing = await t.queue.enqueue('outcome.nothing');
    await drain();
    for (const [i, job] of jobs.entries()) {
      const done = await t.queue.get(job.id);
      expect(done.state).toBe(JobState.Completed);
      expect(done.output).toEqual(values[i]);
    }
    const empty = await t.queue.get(nothing.id);
    expect(empty.state).toBe(JobState.Completed);
    expect(empty.output).toBeNull();
  });

  it('an output JSON cannot hold as it is (a Date) fails the attempt with NonJsonValueError', async () => {
    const job = await t.queue.enqueue('test.badOutput');
    await drain();
    const failed = await t.queue.get(job.id);
    expect(failed.state).toBe(JobState.Failed);
    expect(failed.output).toBeNull();
    expect(failed.error!.name).toBe('NonJsonValueError');
    expect(failed.error!.message).toContain("Output of job 'test.badOutput'.when");
  });
});
