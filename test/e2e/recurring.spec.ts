import { Injectable } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Job } from '../../lib/index.js';
import { createTestDatabase, DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { createJobsApp, type JobsTestApp } from '../helpers/jobs-app.js';
import { waitUntil } from '../helpers/spawned-process.js';

@Injectable()
class Ticker {
  @Job('test.tick', { cron: '* * * * * *', cronInput: { source: 'cron' } })
  tick(input: { source: string }) {
    return input;
  }
}

describe.each(DB_KINDS)('recurring jobs on %s', (kind) => {
  let db: TestDatabase;
  let a: JobsTestApp;

  beforeEach(async () => {
    db = await createTestDatabase(kind);
    a = await createJobsApp(db.options, { providers: [Ticker] });
  });

  afterEach(async () => {
    await a.close();
    await db.drop();
  });

  // Two consumers, each with its own scheduler, agree through the unique key. (They share one app:
  // two SQLite connections to one file in one process can block each other's event loop.)
  it('two consumers run each occurrence of a cron job exactly once', async () => {
    const run = { include: ['test.tick'], pollIntervalMs: 50, timeoutMs: 3_500 };
    const deadline = Date.now() + run.timeoutMs;
    await Promise.all([a.consumer.run(run), a.consumer.run(run)]);
    const stoppedAt = Date.now();
    const rows = await a.orm.em
      .fork()
      .getConnection()
      .execute(`select unique_key, state, input from queue_job where name = 'test.tick' order by run_after`);
    const completed = rows.filter((r: any) => r.state === 'completed');
    expect(completed.length).toBeGreaterThanOrEqual(2);
    const keys = rows.map((r: any) => r.unique_key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.every((k: string) => /^cron:test\.tick:\d{4}-\d\d-\d\dT/.test(k))).toBe(true);
    // The occurrence after the last run stays scheduled (pending, in the future). Those whose time came
    // about as the consumers reached their deadline, or while they were stopping (before the last one
    // released the timer), stay pending for the next consumer. Nothing older is left behind. The time
    // is in the unique key.
    const pending = rows
      .filter((r: any) => r.state === 'pending')
      .map((r: any) => {
        const at = Date.parse(r.unique_key.slice('cron:test.tick:'.length));
        if (at > stoppedAt) return 'next';
        if (at >= deadline - 1_000) return 'due as the consumers stopped';
        return `${r.unique_key} left behind (deadline ${new Date(deadline).toISOString()})`;
      })
      .filter((kind: string) => kind !== 'due as the consumers stopped');
    expect([[], ['next']]).toContainEqual(pending);
  });

  it(`${kind}: the timer is in SchedulerRegistry as jobs:<name>, and stopping it there stops the occurrences`, async () => {
    const app = await createJobsApp(db.options, {
      providers: [Ticker],
      imports: [ScheduleModule.forRoot()],
      createSchema: false,
    });
    try {
      const registry = app.app.get(SchedulerRegistry);
      const rows = () =>
        app.orm.em
          .fork()
          .getConnection()
          .execute(`select id, state from queue_job where name = 'test.tick' order by id`);
      const running = app.consumer.run({ include: ['test.tick'], pollIntervalMs: 50 });
      await waitUntil(() => registry.getCronJobs().has('jobs:test.tick'), 'the timer in SchedulerRegistry');
      const timer = registry.getCronJob('jobs:test.tick');
      expect(timer.isActive).toBe(true);
      await waitUntil(
        async () => (await rows()).filter((r: any) => r.state === 'completed').length >= 2,
        'two completed occurrences',
      );

      timer.stop();
      const stoppedAt = Date.now();
      const atStop = await rows();
      // The occurrence already enqueued still runs. A tick in flight at the stop (stop() does not
      // cancel it) may still enqueue the one after, due within a second; none comes later. Two more
      // seconds of occurrences pass (the timer fires every second) before the rows are read again.
      const jobs = await Promise.all(atStop.map((r: any) => app.queue.get(String(r.id))));
      const lastAt = Math.max(...jobs.map((j) => j.runAfter.getTime()));
      await waitUntil(
        async () => Date.now() > lastAt + 2_000 && (await rows()).every((r: any) => r.state === 'completed'),
        'the enqueued occurrence to run and two more seconds to pass',
      );
      const after = await Promise.all((await rows()).map((r: any) => app.queue.get(String(r.id))));
      expect(after.length).toBeLessThanOrEqual(atStop.length + 1);
      const late = after.filter((j) => j.runAfter.getTime() > stoppedAt + 1_000);
      expect(late.map((j) => `${j.uniqueKey} (stopped at ${new Date(stoppedAt).toISOString()})`)).toEqual([]);
      await app.consumer.stop();
      await running;
      expect(registry.getCronJobs().has('jobs:test.tick')).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('rejects an invalid cron expression at boot', async () => {
    @Injectable()
    class Broken {
      @Job('test.broken', { cron: 'every tuesday' })
      run() {}
    }
    await expect(createJobsApp(db.options, { providers: [Broken], createSchema: false })).rejects.toThrow(
      /cron 'every tuesday' is invalid/,
    );
  });
});
