/**
 * PostgreSQL: a consumer's `run()` resolves once its jobs are written, without waiting for its
 * LISTEN session to end on the server; the application's shutdown waits for it, so `app.close()`
 * leaves no session of the queue behind.
 */
import 'reflect-metadata';
import type pg from 'pg';
import { JobState } from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, withAdminClient, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp } from '../helpers/jobs-app.js';

const onPostgres = DB_KINDS.includes('postgresql') ? describe : describe.skip;

/** The last statement of each session connected to the test database (the admin client is on another one). */
async function sessions(c: pg.Client, db: TestDatabase): Promise<string[]> {
  const name = new URL(db.options.clientUrl!).pathname.slice(1);
  const { rows } = await c.query('SELECT query FROM pg_stat_activity WHERE datname = $1', [name]);
  return rows.map((r: { query: string }) => r.query);
}

onPostgres('closing a consumer on postgresql', () => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await createTestDatabase('postgresql');
  });

  afterEach(() => db.drop());

  it('app.close() after run() leaves no session behind, LISTEN included', async () => {
    for (let round = 0; round < 3; round++) {
      const t = await createJobsApp(db.options, { createSchema: round === 0 });
      const job = await t.queue.enqueue('test.echo', { round });
      await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
      expect(await t.queue.get(job.id)).toMatchObject({ state: JobState.Completed, output: { round } });
      // Connected before the close, so the look follows it at once. The pool's end() resolves once
      // its idle clients have sent their goodbye, not once the server has ended their sessions: a
      // session may stay listed a moment longer, so the look repeats for up to 5 s. A session left
      // open (a listener never closed) stays listed and fails the test.
      await withAdminClient(async (c) => {
        await t.close();
        let left = await sessions(c, db);
        for (const until = Date.now() + 5_000; left.length > 0 && Date.now() < until; left = await sessions(c, db))
          await new Promise((r) => setTimeout(r, 50));
        expect(left).toEqual([]);
      });
    }
  });
});
