/**
 * Run-time schedules (`JobQueue.schedule`) with two real consumer processes on one database: each
 * occurrence is enqueued and run once, never before its time; changes and removals made at run
 * time hold in every process; missed occurrences follow the schedule's policy; time zones.
 * Second-granularity cron (six fields) keeps them short; every wait is on ledger or schedule state.
 */
import { CronTime } from 'cron';
import {
  InvalidJobOptionsError,
  InvalidScheduleError,
  JOB_ENTITIES,
  jobsSchemaSql,
  NonJsonValueError,
  UnknownJobError,
  type JobRecord,
} from '../../lib/index.js';
import {
  createTestDatabase,
  DB_KINDS,
  openOrm,
  testDbEnv,
  type DbKind,
  type TestDatabase,
} from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';
import { countRows, ledgerRows } from '../helpers/job-rows.js';
import { killAll, spawnNode, waitUntil, type NodeChild } from '../helpers/spawned-process.js';

/** A stored time as each database's `queue_schedule.next_run_at` takes it in a raw statement. */
function dbTime(kind: DbKind, at: Date): unknown {
  if (kind === 'sqlite') return at.getTime();
  if (kind === 'mariadb') return at.toISOString().replace('T', ' ').replace('Z', '');
  return at.toISOString();
}

/** Each test with consumer processes: their boot, and a few seconds of occurrences. */
const PROCESS_TEST_MS = 240_000;

describe.each(DB_KINDS)('run-time schedules on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;
  let consumers: NodeChild[] = [];

  beforeEach(async () => void ({ db, t } = await openJobsEnv(kind)));
  afterEach(async () => {
    await killAll();
    consumers = [];
    await closeJobsEnv({ db, t });
  });

  /** Two consumer processes, each with its own schedule runner (looking for changes every 50 ms). */
  async function startConsumers(): Promise<void> {
    consumers = [0, 1].map((i) =>
      spawnNode('test/fixtures/consumer.process.ts', {
        env: {
          ...testDbEnv(db),
          CONSUMER_NAME: `consumer-${i}`,
          CONSUMER_OPTIONS: JSON.stringify({ pollIntervalMs: 50, concurrency: 4 }),
        },
      }),
    );
    // Generous: on a loaded machine two processes booting Nest and an ORM take a while.
    await Promise.all(consumers.map((c) => c.waitFor(/READY/, 90_000)));
  }

  /** Stops the consumers gracefully; each must exit cleanly with nothing on stderr but logs. */
  async function stopConsumers(): Promise<void> {
    for (const c of consumers) c.signal('SIGTERM');
    const exits = await Promise.all(consumers.map((c) => c.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
  }

  /** The jobs schedule `key` enqueued, by scheduled time. */
  async function jobsOf(key: string): Promise<JobRecord[]> {
    const rows = await t.orm.em
      .fork()
      .getConnection()
      .execute(`select id from queue_job where unique_key like ?`, [`schedule:${key}:%`]);
    const jobs = await Promise.all(rows.map((r: any) => t.queue.get(String(r.id))));
    return jobs.sort((a, b) => a.runAfter.getTime() - b.runAfter.getTime());
  }

  /** Ledger 'start' rows per job id. */
  async function startsByJob(): Promise<Map<string, Date[]>> {
    const starts = new Map<string, Date[]>();
    for (const r of await ledgerRows(t.orm))
      if (r.event === 'start') starts.set(r.jobId, [...(starts.get(r.jobId) ?? []), r.at]);
    return starts;
  }

  /** Waits until `key` has at least `n` jobs that started, and returns them. */
  async function waitForRuns(key: string, n: number, what = `${n} runs of '${key}'`): Promise<JobRecord[]> {
    return waitUntil(async () => {
      const [jobs, starts] = await Promise.all([jobsOf(key), startsByJob()]);
      const ran = jobs.filter((j) => starts.has(j.id));
      return ran.length >= n ? jobs : undefined;
    }, what);
  }

  it(
    `${kind}: each occurrence is enqueued and run once across two processes, never before its time`,
    async () => {
      await startConsumers();
      // A catch-up wide enough that a consumer frozen for a few seconds loses no occurrence either.
      await t.queue.schedule('tick', '* * * * * *', 'test.ledger', { ms: 0 }, { missed: { catchUp: 100 } });
      await waitForRuns('tick', 6);
      expect(await t.queue.unschedule('tick')).toBe(true);
      const jobs = await jobsOf('tick');
      await waitUntil(async () => (await startsByJob()).size >= jobs.length, 'every enqueued tick to start');
      await stopConsumers();

      const starts = await startsByJob();
      const times = jobs.map((j) => j.runAfter.getTime());
      // One job per second, no second twice and none left out between the first and the last.
      expect(new Set(times).size).toBe(times.length);
      expect(times.every((ms) => ms % 1000 === 0)).toBe(true);
      expect((times.at(-1)! - times[0]!) / 1000).toBe(times.length - 1);
      for (const job of jobs) {
        expect(job.uniqueKey).toBe(`schedule:tick:${job.runAfter.toISOString()}`);
        const runs = starts.get(job.id) ?? [];
        expect(runs).toHaveLength(1);
        expect(runs[0]!.getTime()).toBeGreaterThanOrEqual(job.runAfter.getTime());
      }
      expect(await t.queue.schedules()).toEqual([]);
    },
    PROCESS_TEST_MS,
  );

  it(
    `${kind}: a change and a removal made at run time hold in both processes`,
    async () => {
      await startConsumers();
      // The sentinel proves that both runners have looked again after the removal.
      await t.queue.schedule('sentinel', '* * * * * *', 'test.echo', { sentinel: true });
      await t.queue.schedule('a', '* * * * * *', 'test.ledger', { ms: 0, v: 1 });
      await waitForRuns('a', 2);

      const changed = await t.queue.schedule('a', '*/2 * * * * *', 'test.ledger', { ms: 0, v: 2 });
      expect(changed.cron).toBe('*/2 * * * * *');
      expect(changed.input).toEqual({ ms: 0, v: 2 });
      const switchAt = changed.nextRunAt.getTime();
      expect(switchAt % 2000).toBe(0);
      await waitUntil(async () => {
        const v2 = (await jobsOf('a')).filter((j) => (j.input as { v: number }).v === 2);
        return v2.length >= 3;
      }, 'three runs of the changed schedule');

      expect(await t.queue.unschedule('a')).toBe(true);
      expect(await t.queue.unschedule('a')).toBe(false);
      const removedAt = Date.now();
      await waitUntil(async () => {
        const sentinel = await jobsOf('sentinel');
        return sentinel.filter((j) => j.runAfter.getTime() > removedAt + 1000).length >= 2;
      }, 'two sentinel occurrences after the removal');
      await stopConsumers();

      const jobs = await jobsOf('a');
      for (const job of jobs) {
        const { v } = job.input as { v: number };
        const at = job.runAfter.getTime();
        // Before the change: the old definition; from it on: the new one (even seconds only).
        expect(v).toBe(at < switchAt ? 1 : 2);
        if (v === 2) expect(at % 2000).toBe(0);
        expect(at).toBeLessThanOrEqual(removedAt);
      }
      expect(new Set(jobs.map((j) => j.runAfter.getTime())).size).toBe(jobs.length);
      expect((await t.queue.schedules()).map((s) => s.key)).toEqual(['sentinel']);
    },
    PROCESS_TEST_MS,
  );

  it(
    `${kind}: occurrences missed while no consumer ran follow each schedule's policy, in its time zone`,
    async () => {
      // Every 5 seconds during the one minute that began three minutes ago: twelve occurrences, all
      // missed by more than the grace, and the next one is tomorrow.
      const minute = new Date(Math.floor((Date.now() - 180_000) / 60_000) * 60_000);
      const utcCron = `*/5 ${minute.getUTCMinutes()} ${minute.getUTCHours()} * * *`;
      const kolkata = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Asia/Kolkata',
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      }).formatToParts(minute);
      const part = (type: string) => Number(kolkata.find((p) => p.type === type)!.value);
      // The same instants written in India's local time (UTC+5:30 all year: no daylight saving).
      const kolkataCron = `*/5 ${part('minute')} ${part('hour')} * * *`;
      const policies = {
        skip: { cron: utcCron, missed: 'skip' as const },
        once: { cron: utcCron, missed: 'once' as const },
        catch3: { cron: utcCron, missed: { catchUp: 3 } },
        kolkata: { cron: kolkataCron, missed: { catchUp: 2 }, timeZone: 'Asia/Kolkata' },
      };
      const conn = t.orm.em.fork().getConnection();
      for (const [key, p] of Object.entries(policies)) {
        const { cron, ...options } = p;
        const s = await t.queue.schedule(key, cron, 'test.ledger', { key }, options);
        // Stored as if the last consumer had stopped just before that minute.
        expect(s.nextRunAt.getTime()).toBe(minute.getTime() + 86_400_000);
        await conn.execute(`update queue_schedule set next_run_at = ? where schedule_key = ?`, [
          dbTime(kind, minute),
          key,
        ]);
      }
      expect((await t.queue.schedules()).map((s) => s.nextRunAt.getTime())).toEqual(
        Object.keys(policies).map(() => minute.getTime()),
      );

      await startConsumers();
      const tomorrow = minute.getTime() + 86_400_000;
      await waitUntil(
        async () => (await t.queue.schedules()).every((s) => s.nextRunAt.getTime() === tomorrow),
        'every schedule to move on to tomorrow',
      );
      await waitForRuns('catch3', 3);
      await waitForRuns('kolkata', 2);
      await waitForRuns('once', 1);
      await stopConsumers();

      const at = (...seconds: number[]) => seconds.map((s) => new Date(minute.getTime() + s * 1000).toISOString());
      const runAfter = async (key: string) => (await jobsOf(key)).map((j) => j.runAfter.toISOString());
      expect(await runAfter('skip')).toEqual([]);
      expect(await runAfter('once')).toEqual(at(55));
      expect(await runAfter('catch3')).toEqual(at(45, 50, 55));
      expect(await runAfter('kolkata')).toEqual(at(50, 55));
      const starts = await startsByJob();
      for (const key of Object.keys(policies))
        for (const job of await jobsOf(key)) expect(starts.get(job.id)).toHaveLength(1);
      const byKey = Object.fromEntries((await t.queue.schedules()).map((s) => [s.key, s]));
      expect(byKey.skip!.lastRunAt).toBeNull();
      expect(byKey.catch3!.lastRunAt!.toISOString()).toBe(at(55)[0]);
    },
    PROCESS_TEST_MS,
  );

  it(`${kind}: computes the next run in the schedule's time zone`, async () => {
    const kolkata = await t.queue.schedule('morning', '0 30 9 * * *', 'test.echo', null, { timeZone: 'Asia/Kolkata' });
    // 09:30 in India is 04:00 UTC, every day of the year.
    expect(kolkata.nextRunAt.getUTCHours()).toBe(4);
    expect(kolkata.nextRunAt.getUTCMinutes()).toBe(0);
    expect(kolkata.nextRunAt.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect(kolkata.timeZone).toBe('Asia/Kolkata');
    // A zone with daylight saving: the same instant as the `cron` package's own computation.
    const ny = await t.queue.schedule('ny', '0 0 9 * * 1-5', 'test.echo', null, { timeZone: 'America/New_York' });
    const expected = new CronTime('0 0 9 * * 1-5', 'America/New_York').getNextDateFrom(new Date(), 'America/New_York');
    expect(ny.nextRunAt.toISOString()).toBe(expected.toJSDate().toISOString());
    const utc = await t.queue.schedule('utc', '0 0 0 1 1 *', 'test.echo');
    expect(utc.timeZone).toBe('UTC');
    expect(utc.nextRunAt.toISOString()).toBe(`${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`);
    expect(utc.missed).toBe('once');
    expect(utc.lastRunAt).toBeNull();
  });

  it(`${kind}: refuses a bad schedule with a typed error and writes nothing`, async () => {
    const bad: [() => Promise<unknown>, new (...args: any[]) => Error, RegExp][] = [
      [
        () => t.queue.schedule('k', 'every tuesday', 'test.echo'),
        InvalidScheduleError,
        /cron 'every tuesday' is invalid/,
      ],
      [() => t.queue.schedule('k', '0 0 30 2 *', 'test.echo'), InvalidScheduleError, /cron '0 0 30 2 \*' is invalid/],
      [
        () => t.queue.schedule('k', '* * * * *', 'test.echo', null, { timeZone: 'Mars/Olympus' }),
        InvalidScheduleError,
        /'timeZone'.*"Mars\/Olympus"/,
      ],
      [() => t.queue.schedule('k', '* * * * *', 'test.nope' as string), UnknownJobError, /test\.nope/],
      [() => t.queue.schedule('k', '* * * * *', 'test.echo', { when: new Date() }), NonJsonValueError, /when/],
      [
        () => t.queue.schedule('k', '* * * * *', 'test.echo', null, { missed: { catchUp: 0 } }),
        InvalidScheduleError,
        /'missed'.*\{"catchUp":0\}/,
      ],
      [
        () => t.queue.schedule('k', '* * * * *', 'test.echo', null, { missed: 'always' as 'once' }),
        InvalidScheduleError,
        /'missed'/,
      ],
      [() => t.queue.schedule('', '* * * * *', 'test.echo'), InvalidScheduleError, /schedule key/],
      [
        () => t.queue.schedule('k', '* * * * *', 'test.echo', null, { every: 5 } as object),
        InvalidJobOptionsError,
        /every/,
      ],
      [
        () => t.queue.schedule('k', '* * * * *', 'test.echo', null, { priority: 1.5 }),
        InvalidJobOptionsError,
        /priority/,
      ],
    ];
    for (const [call, Err, message] of bad) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Err);
      expect((err as Error).message).toMatch(message);
    }
    expect(await countRows(t.orm, 'queue_schedule')).toBe(0);

    // A bad change leaves the schedule as it was.
    const kept = await t.queue.schedule('k', '0 * * * *', 'test.echo', { n: 1 }, { queue: 'reports', priority: 5 });
    expect(kept.options).toEqual({ queue: 'reports', priority: 5 });
    await expect(t.queue.schedule('k', 'nope', 'test.echo', { n: 2 })).rejects.toBeInstanceOf(InvalidScheduleError);
    expect(await t.queue.schedules()).toEqual([kept]);
  });

  it(`${kind}: jobsSchemaSql creates queue_schedule as the entity declares it, from version 2 too`, async () => {
    const fresh = await createTestDatabase(kind);
    const orm = await openOrm(fresh, [...JOB_ENTITIES]);
    try {
      const conn = orm.em.getConnection();
      // A database at version 2: everything from version 0 except what version 3 adds.
      const v3 = jobsSchemaSql(kind, 2);
      for (const sql of jobsSchemaSql(kind, 0).filter((q) => !v3.includes(q))) await conn.execute(sql);
      expect(v3.some((q) => /create table .?queue_schedule/.test(q))).toBe(true);
      // An app at version 2 migrates with jobsSchemaSql(kind, 2); then the tables are as the entities declare.
      for (const sql of v3) await conn.execute(sql);
      const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
      expect(diff.trim()).toBe('');
    } finally {
      await orm.close(true);
      await fresh.drop();
    }
  });
});
