/**
 * Several real consumer processes on one queue: every job runs, and runs once. Each handler run
 * writes a ledger row when it starts, so a double run would show as two 'start' rows for one job.
 */
import { JobState } from '../../lib/index.js';
import { runNode } from '../helpers/child-process.js';
import { DB_KINDS, testDbEnv, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { countRows, ledgerRows } from '../helpers/job-rows.js';

const JOBS = 300;
const CONSUMERS = 3;

describe.each(DB_KINDS)('several consumer processes on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openJobsEnv(kind)));
  afterEach(() => closeJobsEnv({ db, t }));

  it(`${CONSUMERS} processes drain ${JOBS} jobs with zero double runs`, async () => {
    const jobs = await t.queue.enqueueMany(
      Array.from({ length: JOBS }, (_, i) => ({ name: 'test.ledger', input: { ms: i % 10 }, priority: i % 3 })),
    );
    const children = await Promise.all(
      Array.from({ length: CONSUMERS }, (_, i) =>
        runNode('test/fixtures/consumer.process.ts', {
          env: {
            ...testDbEnv(db),
            CONSUMER_NAME: `consumer-${i}`,
            CONSUMER_OPTIONS: JSON.stringify({ untilEmpty: true, concurrency: 4, pollIntervalMs: 20 }),
          },
          timeoutMs: 90_000,
        }),
      ),
    );
    for (const child of children) {
      expect(child.stderr).toBe('');
      expect(child.code).toBe(0);
    }
    const summaries = children.map((c) => JSON.parse(/^SUMMARY (.*)$/m.exec(c.stdout)![1]!));
    expect(summaries.reduce((n, s) => n + s.completed, 0)).toBe(JOBS);
    expect(summaries.reduce((n, s) => n + s.failed + s.aborted, 0)).toBe(0);

    // Every job completed, after exactly one attempt.
    const rows = await t.orm.em
      .fork()
      .getConnection()
      .execute('select state, attempts, count(*) as n from queue_job group by state, attempts');
    expect(rows.map((r: any) => [r.state, Number(r.attempts), Number(r.n)])).toEqual([[JobState.Completed, 1, JOBS]]);

    // Exactly one start and one finish per job, each pair written by one consumer.
    const ledger = await ledgerRows(t.orm);
    const starts = new Map<string, string[]>();
    for (const r of ledger.filter((e) => e.event === 'start'))
      starts.set(r.jobId, [...(starts.get(r.jobId) ?? []), r.consumer]);
    expect(starts.size).toBe(JOBS);
    const doubles = [...starts].filter(([, who]) => who.length > 1);
    expect(doubles).toEqual([]);
    expect(ledger.filter((e) => e.event === 'finish')).toHaveLength(JOBS);
    for (const job of jobs) expect(starts.has(job.id)).toBe(true);
    expect(await countRows(t.orm, 'test_ledger')).toBe(2 * JOBS);
  });
});
