/**
 * `onProgress` of the bulk operations (what the CLI's progress bars draw): `retry({ name, onProgress })`
 * and `purge({ olderThanMs, onProgress })` report `{ done, total }` first at 0 of the counted total,
 * then after each batch, `done` rising, and last at the total. `maxBatchSize: 3` makes 7 jobs take
 * three batches.
 */
import { JobState, type BulkProgress } from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';

const JOBS = 7;

describe.each(DB_KINDS)('bulk progress on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    ids = [];
    ({ db, t } = await openJobsEnv(kind, { jobs: { maxBatchSize: 3 } }));
  });
  afterEach(() => closeJobsEnv({ db, t }));

  const failAll = async () => {
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const states = await Promise.all(ids.map(async (id) => (await t.queue.get(id)).state));
    expect(states).toEqual(Array(JOBS).fill(JobState.Failed));
  };
  let ids: string[] = [];

  /** Starts at 0 of the total, `done` rises with each batch (at least `batches` of them), ends at the total. */
  const expectProgress = (seen: BulkProgress[], batches: number) => {
    expect(seen[0]).toEqual({ done: 0, total: JOBS });
    expect(seen[seen.length - 1]).toEqual({ done: JOBS, total: JOBS });
    expect(seen.every((p) => p.total === JOBS)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThan(seen[i - 1]!.done);
    expect(seen.length).toBeGreaterThanOrEqual(batches + 1);
  };

  it('retry({ name, batchSize, onProgress }) and purge({ onProgress }) report rising counts that end at the total', async () => {
    // One at a time: maxBatchSize caps enqueueMany too.
    for (let i = 0; i < JOBS; i++) ids.push((await t.queue.enqueue('test.throwString', null)).id);
    await failAll();

    const retried: BulkProgress[] = [];
    const n = await t.queue.retry({
      name: 'test.throwString',
      batchSize: 3,
      onProgress: (p) => retried.push({ ...p }),
    });
    expect(n).toBe(JOBS);
    expectProgress(retried, 3);

    await failAll();
    const purged: BulkProgress[] = [];
    expect(await t.queue.purge({ olderThanMs: 0, onProgress: (p) => purged.push({ ...p }) })).toBe(JOBS);
    expectProgress(purged, 3);
  });
});
