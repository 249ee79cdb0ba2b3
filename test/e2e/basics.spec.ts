import { DB_KINDS, testDbEnv, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { drainInChildProcess } from '../helpers/child-process.js';
import { waitAtMost } from '../../lib/wait.util.js';

describe.each(DB_KINDS)('basics on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(
    async () => void ({ db, t } = await openJobsEnv(kind, { jobs: { defaultBackoff: { baseMs: 10, jitter: false } } })),
  );
  afterEach(() => closeJobsEnv({ db, t }));

  it('enqueues, runs in process and stores the output', async () => {
    const job = await t.queue.enqueue('test.echo', { hello: 'world' });
    expect(job.state).toBe('pending');
    const summary = await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect(summary.completed).toBe(1);
    const done = await t.queue.get(job.id);
    expect(done.state).toBe('completed');
    expect(done.output).toEqual({ hello: 'world' });
  });

  it('stop() waits for the runs it stopped, clean-up included, not for one started meanwhile', async () => {
    const first = t.consumer.run({ pollIntervalMs: 20 }); // runs until stopped
    const stopping = t.consumer.stop();
    const second = t.consumer.run({ pollIntervalMs: 20 });
    expect(await waitAtMost(stopping, 5_000)).toBe(true); // stopped, not waiting for the second run
    await first;
    expect(t.consumer.consumers()).toHaveLength(1);
    await t.consumer.stop();
    await second;
    expect(t.consumer.consumers()).toHaveLength(0);
  });

  it('runs jobs in a real child consumer process', async () => {
    const jobs = await t.queue.enqueueMany([1, 2, 3].map((n) => ({ name: 'test.echo', input: { n } })));
    const child = await drainInChildProcess(testDbEnv(db));
    expect(child.stderr).toBe('');
    expect(child.code).toBe(0);
    for (const j of jobs) expect((await t.queue.get(j.id)).state).toBe('completed');
  });
});
