/**
 * @OnJobFailed also fires for a job that fails for good because its consumer died: the consumer
 * whose heartbeat rescued it (and has a handler for its name) runs the hook, once, with the lease
 * error; no @AfterJob runs, since no attempt ran there.
 */
import { Injectable } from '@nestjs/common';
import { AfterJob, JobState, OnJobFailed, type JobContext, type JobErrorInfo } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { killAll, waitUntil } from '../helpers/spawned-process.js';
import { startConsumer } from '../helpers/reliability.util.js';
import { ReliabilityJobs } from '../fixtures/reliability-jobs.js';

const calls: string[] = [];

@Injectable()
class RescueHooks {
  @OnJobFailed('test.sleep')
  failed(ctx: JobContext, error: JobErrorInfo) {
    calls.push(`failed:${ctx.jobId}:${ctx.attempt}/${ctx.maxAttempts}:${error.name}`);
  }

  @AfterJob('test.sleep')
  after(ctx: JobContext) {
    calls.push(`after:${ctx.jobId}`);
  }
}

describe.each(DB_KINDS)('@OnJobFailed on the rescue path on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;
  const jobs = { leaseMs: 1_500, heartbeatMs: 250 };

  beforeEach(async () => {
    calls.length = 0;
    ({ db, t } = await openJobsEnv(kind, { jobs, providers: [ReliabilityJobs, RescueHooks] }));
  });
  afterEach(async () => {
    await killAll();
    await closeJobsEnv({ db, t });
  });

  it('the rescuing consumer runs @OnJobFailed once for a job whose consumer died on its last attempt', async () => {
    const last = await t.queue.enqueue('test.sleep', { ms: 60_000 }, { maxAttempts: 1 });
    const retried = await t.queue.enqueue('test.sleep', { ms: 60_000 }, { maxAttempts: 2 });
    const doomed = await startConsumer(db, { jobs, name: 'doomed', consumer: { concurrency: 2, pollIntervalMs: 50 } });
    await waitUntil(
      async () =>
        (await t.queue.get(last.id)).state === JobState.Running &&
        (await t.queue.get(retried.id)).state === JobState.Running,
      'both jobs to run',
      20_000,
    );
    await doomed.child.kill();

    const rescuer = t.consumer.run({ pollIntervalMs: 50, include: ['test.echo'] });
    await waitUntil(() => calls.some((c) => c.startsWith('failed:')), 'the failure hook', 20_000);
    await waitUntil(
      async () => (await t.queue.get(retried.id)).state === JobState.Pending,
      'the other job to be rescued',
      20_000,
    );
    await t.consumer.stop();
    await rescuer;

    expect(await t.queue.get(last.id)).toMatchObject({ state: JobState.Failed, error: { name: 'LeaseExpiredError' } });
    // Once, for the job that had no attempt left; none for the one rescued to run again, no after hook.
    expect(calls).toEqual([`failed:${last.id}:1/1:LeaseExpiredError`]);
  }, 60_000);
});
