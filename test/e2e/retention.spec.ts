import { chain, JobNotFoundError, type JobsModuleOptions } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { waitUntil } from '../helpers/spawned-process.js';
import { JobStore } from '../../lib/persistence/job.store.js';
import { RetentionBoundary } from '../../lib/consumer/retention.boundary.js';
import { openSecondSession, type SecondSession } from '../helpers/second-session.js';
import { waitAtMost } from '../../lib/wait.util.js';

/**
 * Retention (issue 11) and purge(): finished plain jobs go by their state's rule; a pipeline goes
 * whole (row, steps, edges) once every step is finished and past its rule, never half.
 */
describe.each(DB_KINDS)('retention and purge on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  const open = async (jobs: JobsModuleOptions = {}) => void ({ db, t } = await openJobsEnv(kind, { jobs }));
  afterEach(() => closeJobsEnv({ db, t }));

  const count = async (table: string, where = '') =>
    Number((await t.orm.em.fork().getConnection().execute(`SELECT COUNT(*) AS n FROM ${table} ${where}`))[0].n);
  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, exclude: ['test.gpu'] });

  /**
   * One finished pipeline, one whose last step ('test.gpu', excluded by `drain`) never runs; a few
   * plain jobs. `prunable`: retention may already have taken the finished pipeline during the drain
   * (the draining consumer prunes too), whole.
   */
  async function finishedAndUnfinished(prunable = false) {
    const done = await t.queue.enqueuePipeline(
      chain([{ job: 'test.echo', input: { a: 1 } }, { job: 'test.echo' }, { job: 'test.echo' }]),
    );
    const open = await t.queue.enqueuePipeline(chain([{ job: 'test.echo', input: { b: 1 } }, { job: 'test.gpu' }]));
    const plain = await t.queue.enqueueMany([1, 2, 3].map((n) => ({ name: 'test.echo' as const, input: { n } })));
    const failed = await t.queue.enqueue('test.throwString');
    await drain();
    const doneState = await t.queue.getPipeline(done.id).then(
      (p) => p.state,
      (err: unknown) => (prunable && err instanceof JobNotFoundError ? 'pruned' : Promise.reject(err)),
    );
    expect(prunable ? ['completed', 'pruned'] : ['completed']).toContain(doneState);
    expect((await t.queue.getPipeline(open.id)).state).not.toBe('completed');
    return { done, open, plain, failed };
  }

  it('purge() deletes finished plain jobs of the given states, and finished pipelines whole; an unfinished pipeline stays whole', async () => {
    await open({ retention: false });
    const { done, open: unfinished, plain, failed } = await finishedAndUnfinished();
    const edgesBefore = await count('queue_job_dependency');
    expect(await t.queue.purge({ olderThanMs: 3_600_000 })).toBe(0); // nothing finished an hour ago

    expect(await t.queue.purge({ olderThanMs: 0, states: ['failed'] })).toBe(1);
    await expect(t.queue.get(failed.id)).rejects.toThrow(JobNotFoundError);
    expect((await t.queue.get(plain[0]!.id)).state).toBe('completed');
    expect((await t.queue.getPipeline(done.id)).steps).toBeDefined(); // its steps are completed, not failed

    // 3 plain jobs + the finished pipeline's 3 steps.
    expect(await t.queue.purge({ olderThanMs: 0 })).toBe(6);
    for (const j of plain) await expect(t.queue.get(j.id)).rejects.toThrow(JobNotFoundError);
    await expect(t.queue.getPipeline(done.id)).rejects.toThrow(JobNotFoundError);
    const kept = await t.queue.getPipeline(unfinished.id);
    expect(Object.keys(kept.steps)).toHaveLength(2);
    expect(await count('queue_job', `WHERE pipeline_id = ${done.id}`)).toBe(0);
    expect(await count('queue_pipeline')).toBe(1);
    expect(await count('queue_job_dependency')).toBe(edgesBefore - 2); // the finished chain's two edges
  });

  it('a consumer prunes in the background: the newest N completed plain jobs stay, failed ones go, pipelines within their rule stay whole', async () => {
    await open({
      retention: {
        completed: { maxCount: 2, maxAgeMs: 3_600_000 },
        failed: { maxAgeMs: 0 },
        intervalMs: 30,
        batchSize: 2,
      },
    });
    const { done, open: unfinished, plain } = await finishedAndUnfinished();
    const more = await t.queue.enqueueMany([4, 5, 6, 7].map((n) => ({ name: 'test.echo' as const, input: { n } })));
    await drain();
    const running = t.consumer.run({ pollIntervalMs: 50, exclude: ['test.gpu'] });
    // The 7 plain completed jobs down to 2 (in batches of 2), the failed one gone.
    await waitUntil(
      async () => (await count('queue_job', `WHERE pipeline_id IS NULL`)) === 2,
      'retention to prune the plain jobs',
      30_000,
    );
    await t.consumer.stop();
    await running;
    const left = (
      await t.orm.em.fork().getConnection().execute(`SELECT id FROM queue_job WHERE pipeline_id IS NULL`)
    ).map((r: any) => String(r.id));
    expect(left.sort()).toEqual([more[2]!.id, more[3]!.id].sort()); // the newest two
    expect(plain.length).toBe(3);
    // Completed steps are kept an hour (maxAgeMs): both pipelines are whole.
    expect(Object.keys((await t.queue.getPipeline(done.id)).steps)).toHaveLength(3);
    expect(Object.keys((await t.queue.getPipeline(unfinished.id)).steps)).toHaveLength(2);
  });

  it('a finished pipeline goes whole once every step is past its rule; one with an unfinished step stays whole', async () => {
    await open({ retention: { completed: { maxAgeMs: 0 }, intervalMs: 30 } });
    const { done, open: unfinished } = await finishedAndUnfinished(true);
    const running = t.consumer.run({ pollIntervalMs: 50, exclude: ['test.gpu'] });
    await waitUntil(
      async () => (await count('queue_pipeline')) === 1,
      'retention to prune the finished pipeline',
      30_000,
    );
    await t.consumer.stop();
    await running;
    await expect(t.queue.getPipeline(done.id)).rejects.toThrow(JobNotFoundError);
    expect(Object.keys((await t.queue.getPipeline(unfinished.id)).steps)).toHaveLength(2);
    expect(await count('queue_job', `WHERE pipeline_id IS NULL`)).toBe(1); // the failed job: kept 7 days
  });
  it('a maxCount boundary moves on from round to round on the real store, landing where a fresh read does', async () => {
    await open({ retention: false });
    const store = t.app.get(JobStore).retention;
    const reads = { fresh: 0, moved: 0 };
    const counted: ConstructorParameters<typeof RetentionBoundary>[0] = {
      pruneBoundary: (state, keepLast, advance) => {
        reads[advance ? 'moved' : 'fresh']++;
        return store.pruneBoundary(state, keepLast, advance);
      },
      finishedSince: (state, since) => store.finishedSince(state, since),
    };
    const boundary = new RetentionBoundary(counted, 'completed', 5);
    const finish = async (n: number) => {
      await t.queue.enqueueMany(Array.from({ length: n }, (_, i) => ({ name: 'test.echo' as const, input: { i } })));
      await drain();
    };
    await finish(8);
    const first = await boundary.next();
    await finish(4);
    const second = await boundary.next();
    // The second round counted the 4 new jobs and moved on by them: no second read of the newest 5.
    expect(reads).toEqual({ fresh: 1, moved: 1 });
    expect(second).toEqual(await store.pruneBoundary('completed', 5));
    expect(second?.id).not.toBe(first?.id);
  });

  // PostgreSQL re-reads a row another transaction changed while a DELETE waited for its lock, and
  // keeps it if it still matches the DELETE's own conditions: those must say "finished and past the
  // rule", not only "one of these ids". MariaDB's DELETE reads the latest row under lock, so the same
  // conditions keep it there. SQLite has one writer: the race cannot be staged.
  if (kind !== 'sqlite')
    it('a batch that waited on a job retried meanwhile leaves it alone', async () => {
      await open({ retention: false });
      const failed = await t.queue.enqueue('test.throwString');
      await drain();
      const other = await openSecondSession(db);
      try {
        // What retry writes, held open: the batch picks the job from its snapshot, then waits for the row.
        await other.query('BEGIN');
        await other.query(`UPDATE queue_job SET state = 'pending', finished_at = NULL WHERE id = ?`, [failed.id]);
        const pruning = t.app.get(JobStore).retention.pruneBatch({ rule: { state: 'failed', olderThanMs: 0 } }, 10);
        await waitUntil(() => other.someoneWaitsForALock(), 'the batch to wait for the retried row', 10_000);
        await other.query('COMMIT');
        expect(await pruning).toBe(0);
        expect((await t.queue.get(failed.id)).state).toBe('pending');
      } finally {
        await other.end();
      }
    });

  // The two races of a pipeline batch with a retry re-opening a step (see lockStepsToPrune), staged
  // with a second session holding what the retry writes. Each fails without the re-check: the batch
  // deletes the pipeline, or (steps held) waits on them and runs into `within`.
  if (kind !== 'sqlite')
    describe('a pipeline batch and a retry of one of its steps', () => {
      const rules = ['completed', 'failed', 'cancelled'].map((state) => ({ state, olderThanMs: 0 }));
      const pruneBatch = () => t.app.get(JobStore).retention.pruneBatch({ pipelines: rules }, 10);
      let other: SecondSession;
      let p: { id: string };
      let first: { id: string };

      beforeEach(async () => {
        await open({ retention: false });
        // The first step fails for good; the second then fails too, without running (its dependency failed).
        p = await t.queue.enqueuePipeline(chain([{ job: 'test.throwString' }, { job: 'test.echo' }]));
        await drain();
        const pipeline = await t.queue.getPipeline(p.id);
        expect(pipeline.state).toBe('failed');
        first = Object.values(pipeline.steps).find((s) => s.name === 'test.throwString')!;
        other = await openSecondSession(db);
        await other.query('BEGIN');
      });
      afterEach(() => other.end());

      const reopen = () =>
        other.query(`UPDATE queue_job SET state = 'pending', finished_at = NULL WHERE id = ?`, [first.id]);
      const within = async <T>(work: Promise<T>) => {
        expect(await waitAtMost(work, 5_000)).toBe(true); // the batch did not wait on what the retry holds
        return work;
      };
      const whole = async () => expect(Object.keys((await t.queue.getPipeline(p.id)).steps)).toHaveLength(2);

      it('keeps the pipeline while the retry holds its steps', async () => {
        await other.query('SELECT id FROM queue_job WHERE pipeline_id = ? FOR UPDATE', [p.id]);
        await reopen();
        // The batch's snapshot still sees every step finished; the steps it cannot lock keep the pipeline.
        expect(await within(pruneBatch())).toBe(0);
        await other.query('COMMIT');
        await whole();
      });

      it('keeps the pipeline when the retry committed while the batch waited for the pipeline', async () => {
        await other.query('SELECT id FROM queue_pipeline WHERE id = ? FOR UPDATE', [p.id]);
        await reopen();
        const pruning = pruneBatch();
        await waitUntil(() => other.someoneWaitsForALock(), 'the batch to wait for the pipeline', 10_000);
        await other.query('COMMIT');
        // Its first read's snapshot predates the commit; the steps it then locks do not.
        expect(await within(pruning)).toBe(0);
        await whole();
      });

      it('still deletes a pipeline without steps', async () => {
        await other.query('COMMIT');
        await other.query(`INSERT INTO queue_pipeline (name, workspace, created_at) VALUES ('empty', '{}', now())`);
        const [{ id }] = await other.query(`SELECT max(id) AS id FROM queue_pipeline WHERE name = 'empty'`);
        expect(await pruneBatch()).toBe(2); // the failed pipeline's two steps; the empty one had none
        expect(await other.query('SELECT 1 FROM queue_pipeline WHERE id = ?', [id])).toHaveLength(0);
      });
    });
});
