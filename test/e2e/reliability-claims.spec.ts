import { DB_KINDS, testDbEnv, type TestDatabase } from '../helpers/databases.js';
import type { JobsTestApp } from '../helpers/jobs-app.js';
import { countJobs, openReliabilityEnv, closeReliabilityEnv, ledgerRows } from '../helpers/reliability.util.js';
import { spawnNode } from '../helpers/spawned-process.js';

/**
 * Claim exclusivity: 1,000 jobs, 20 concurrent claimers (4 processes x 5 consumers; on PostgreSQL
 * each consumer has its own Nest application, ORM and pool) claiming in batches: every job is
 * claimed exactly once.
 */
describe.each(DB_KINDS)('claim exclusivity on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => void ({ db, t } = await openReliabilityEnv(kind)));
  afterEach(() => closeReliabilityEnv({ db, t }));

  it('1,000 jobs, 20 claimers: each job claimed and run exactly once', async () => {
    const jobs = await t.queue.enqueueMany(
      Array.from({ length: 1_000 }, (_, i) => ({ name: 'test.ledger', input: { ms: i % 3 } })),
    );
    const procs = [1, 2, 3, 4].map((p) =>
      spawnNode('test/fixtures/claimers.process.ts', {
        env: { ...testDbEnv(db), CLAIMERS: '5', CONSUMER_NAME: `p${p}` },
      }),
    );
    const exits = await Promise.all(procs.map((p) => p.exited));
    for (const [i, e] of exits.entries())
      expect({ code: e.code, stderr: procs[i]!.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' });
    // Any job not completed by its first attempt, with its error: says why, before the counts below do not add up.
    const notOnce = await t.orm.em
      .getConnection()
      .execute(
        `SELECT id, state, attempts, error FROM queue_job WHERE NOT (state = 'completed' AND attempts = 1) ORDER BY id LIMIT 3`,
      );
    expect(notOnce).toEqual([]);

    const summaries = procs.flatMap(
      (p) => JSON.parse(p.stdout.match(/^SUMMARY (.*)$/m)![1]!) as { completed: number }[],
    );
    expect(summaries).toHaveLength(20);
    expect(summaries.reduce((n, s) => n + s.completed, 0)).toBe(1_000);
    expect(summaries.filter((s) => s.completed > 0).length).toBeGreaterThan(1); // they did compete

    expect(await countJobs(t.orm, `state = 'completed' AND attempts = 1`)).toBe(1_000);
    const starts = (await ledgerRows(t.orm)).filter((r) => r.event === 'start');
    expect(starts).toHaveLength(1_000);
    expect(new Set(starts.map((r) => r.job_id))).toEqual(new Set(jobs.map((j) => j.id)));
    process.stdout.write(`claims ${kind}: per claimer ${summaries.map((s) => s.completed).join(',')}\n`);
  }, 90_000);
});
