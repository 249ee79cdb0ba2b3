/**
 * The command line (`runJobsCli`) as operators and scripts run it: every command in a real child
 * process (compiled, from dist/) on the test's database, `--json` parsed and checked against the
 * database, exit codes 0 (done), 1 (the operation failed) and 2 (bad arguments), and nothing changed
 * by a refused command. Then the sample app's `jobs-cli.js depths` on a SQLite file and DATABASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobsInspector, JobState, jobsSchemaSql, type JobRecord } from '../../lib/index.js';
import { runNode, type ChildResult } from '../helpers/child-process.js';
import { createTestDatabase, DB_KINDS, testDbEnv, type DbKind, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';

const DAY_MS = 86_400_000;
/**
 * Each command is a Node process that loads Nest and MikroORM: seconds each, and far more on a
 * loaded machine (CI shares its cores), so these tests get room rather than the default minute.
 */
const SLOW_MS = 400_000;
const CHILD_TIMEOUT_MS = 180_000;

describe.each(DB_KINDS)('jobs command line on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;

  beforeEach(async () => {
    ({ db, t } = await openJobsEnv(kind));
  }, SLOW_MS);
  afterEach(() => closeJobsEnv({ db, t }), SLOW_MS);

  /** Runs the command line in a child process on this test's database. */
  const cli = (...args: string[]): Promise<ChildResult> =>
    runNode('test/fixtures/jobs-cli.process.ts', {
      args,
      env: { ...testDbEnv(db), NO_COLOR: '1' },
      timeoutMs: CHILD_TIMEOUT_MS,
    });
  /** A command that must succeed with `--json`: its one JSON document. */
  const json = async <T = any>(...args: string[]): Promise<T> => {
    const run = await cli(...args, '--json');
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(run.stdout) as T;
  };
  /** Every row of the queue's tables, to show a refused command wrote nothing. */
  const tables = async () => {
    const conn = t.orm.em.fork().getConnection();
    return [
      await conn.execute('select * from queue_job order by id'),
      await conn.execute('select * from queue_control order by queue'),
    ];
  };
  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
  /** The job as `--json` prints it: dates as ISO text. */
  const asJson = (job: JobRecord) => JSON.parse(JSON.stringify(job));
  const failedJobs = async (n: number, name = 'test.throwString') => {
    const jobs = await t.queue.enqueueMany(Array.from({ length: n }, () => ({ name, input: null })));
    await drain();
    for (const j of jobs) expect((await t.queue.get(j.id)).state).toBe(JobState.Failed);
    return jobs;
  };

  it(
    'depths: each queue at a glance, as JobsInspector.queueOverview reads it; --queue narrows; a table by default',
    async () => {
      await failedJobs(1);
      await t.queue.enqueueMany([
        { name: 'test.echo', input: 1 },
        { name: 'test.echo', input: 2 },
        { name: 'test.echo', input: 3, queue: 'mail', runAfter: new Date(Date.now() + DAY_MS) },
      ]);
      await t.queue.pauseQueue('idle');
      const zero = { due: 0, scheduled: 0, running: 0, blocked: 0, failed: 0, completedLastHour: 0, failedLastHour: 0 };
      const all = await json('depths');
      expect(all).toEqual({
        queues: [
          { ...zero, queue: 'default', due: 2, failed: 1, failedLastHour: 1, paused: false },
          { ...zero, queue: 'idle', paused: true },
          { ...zero, queue: 'mail', scheduled: 1, paused: false },
        ],
      });
      expect(all.queues).toEqual(await t.app.get(JobsInspector).queueOverview());

      expect(await json('depths', '--queue', 'mail', 'other')).toEqual({
        queues: [
          { ...zero, queue: 'mail', scheduled: 1, paused: false },
          { ...zero, queue: 'other', paused: false },
        ],
      });
      const human = await cli('depths');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(
        /│ queue\s+│ due │ scheduled │ running │ blocked │ failed │ paused │ completed 1h │ failed 1h │/,
      );
      expect(human.stdout).toMatch(/│ default\s+│ 2\s+│ 0\s+│ 0\s+│ 0\s+│ 1\s+│\s+│ 0\s+│ 1\s+│/);
      expect(human.stdout).toMatch(/│ idle\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│ yes\s+│/);
    },
    SLOW_MS,
  );

  it(
    'list: pages newest first with filters, and the next cursor; the same page as JobsInspector.listJobs',
    async () => {
      await failedJobs(2);
      const echo = await t.queue.enqueueMany([1, 2, 3].map((n) => ({ name: 'test.echo', input: n, queue: 'mail' })));
      const ids = async (filter: object) => (await t.app.get(JobsInspector).listJobs(filter)).jobs.map((j) => j.id);

      const first = await json('list', '--limit', '2');
      expect(first.jobs.map((j: { id: string }) => j.id)).toEqual([echo[2]!.id, echo[1]!.id]);
      expect(first).toEqual(JSON.parse(JSON.stringify(await t.app.get(JobsInspector).listJobs({ limit: 2 }))));
      expect(first.next).toBe(echo[1]!.id);
      const second = await json('list', '--limit', '2', '--after', first.next);
      expect(second.jobs.map((j: { id: string }) => j.id)).toEqual(await ids({ limit: 2, after: first.next }));
      expect(second.jobs).toHaveLength(2);

      const failed = await json('list', '--state', 'failed', '--name', 'test.throwString', '--queue', 'default');
      expect(failed.jobs.map((j: { id: string }) => j.id)).toEqual(await ids({ state: 'failed' }));
      expect(failed.jobs).toHaveLength(2);
      expect(failed.next).toBeNull();
      expect(failed.jobs[0].errorMessage).toMatch(/not an error object/);
      const none = await json('list', '--created-after', '2999-01-01');
      expect(none).toEqual({ jobs: [], next: null });

      const human = await cli('list', '--queue', 'mail', '--limit', '1');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/│ id\s+│ name\s+│ queue\s+│ state\s+│ attempts │ created\s+│ finished │ error │/);
      expect(human.stdout).toMatch(new RegExp(`│ ${echo[2]!.id}\\s+│ test\\.echo\\s+│ mail\\s+│ pending`));
      expect(human.stdout).toMatch(new RegExp(`\nNext page: --after ${echo[2]!.id}\n$`));
    },
    SLOW_MS,
  );

  it(
    'show: the job as JobQueue.get reads it (error, stack, attempt log); an unknown id exits 1',
    async () => {
      const [job] = await failedJobs(1);
      const shown = await json('show', job!.id);
      expect(shown).toEqual(asJson(await t.queue.get(job!.id)));
      expect(shown.error.message).toMatch(/not an error object/);

      const human = await cli('show', job!.id);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/│ state\s+│ failed/);
      expect(human.stdout).toMatch(/^Error:\n.*not an error object/m);
      expect(human.stdout).toMatch(/^Attempts:\n/m);

      const unknown = await cli('show', '999999', '--json');
      expect(unknown).toMatchObject({ code: 1, stdout: '' });
      expect(unknown.stderr).toBe('error: No job has id 999999; it may have been purged.\n');
    },
    SLOW_MS,
  );

  it(
    'retry <id>: a failed job runs again; a job whose state does not allow it exits 1 and changes nothing',
    async () => {
      const [failed] = await failedJobs(1);
      const retried = await json<JobRecord>('retry', failed!.id);
      expect(retried).toMatchObject({ id: failed!.id, state: JobState.Pending, attempts: 0 });
      expect(retried).toEqual(asJson(await t.queue.get(failed!.id)));

      const before = await tables();
      const refused = await cli('retry', failed!.id, '--json');
      expect(refused).toMatchObject({ code: 1, stdout: '' });
      expect(refused.stderr).toMatch(/^error: Job \d+ \('test\.throwString'\) cannot be retried: it is pending/);
      expect(await tables()).toEqual(before);

      const human = await cli('retry', '999999');
      expect(human).toMatchObject({ code: 1, stdout: '' });
      expect(human.stderr).toMatch(/No job has id 999999/);
    },
    SLOW_MS,
  );

  it(
    'retry --name / --queue: every failed job of the name or queue, in batches; counted in the database',
    async () => {
      const thrown = await failedJobs(3);
      const [other] = await failedJobs(1, 'test.badOutput');
      expect(await json('retry', '--name', 'test.throwString', '--batch-size', '2')).toEqual({ retried: 3 });
      for (const j of thrown) expect((await t.queue.get(j.id)).state).toBe(JobState.Pending);
      expect((await t.queue.get(other!.id)).state).toBe(JobState.Failed);

      expect(await json('retry', '--queue', 'default')).toEqual({ retried: 1 });
      expect((await t.queue.get(other!.id)).state).toBe(JobState.Pending);

      const none = await cli('retry', '--name', 'test.throwString', '--queue', 'elsewhere');
      expect(none).toMatchObject({ code: 0, stderr: '' }); // no progress bar: stderr is not a terminal
      expect(none.stdout).toBe('Retried 0 failed job(s) (name test.throwString, queue elsewhere).\n');
    },
    SLOW_MS,
  );

  it(
    'discard and cancel: a pending job ends cancelled; a finished one cannot be discarded (exit 1, nothing changed)',
    async () => {
      const [a, b, done] = await t.queue.enqueueMany([
        { name: 'test.echo', input: 'a', queue: 'held' },
        { name: 'test.echo', input: 'b', queue: 'held' },
        { name: 'test.echo', input: 'c' },
      ]);
      await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20, queues: ['default'] });

      const discarded = await json<JobRecord>('discard', a!.id);
      expect(discarded).toMatchObject({ state: JobState.Cancelled, error: { name: 'JobDiscarded' } });
      expect(discarded).toEqual(asJson(await t.queue.get(a!.id)));
      const cancelled = await json<JobRecord>('cancel', b!.id);
      expect(cancelled).toEqual(asJson(await t.queue.get(b!.id)));
      expect(cancelled.state).toBe(JobState.Cancelled);

      const before = await tables();
      const refused = await cli('discard', done!.id);
      expect(refused).toMatchObject({ code: 1, stdout: '' });
      expect(refused.stderr).toMatch(/is completed: discard\(\) ends only a job that has not started/);
      const unknown = await cli('cancel', '999999', '--json');
      expect(unknown).toMatchObject({ code: 1, stdout: '' });
      expect(unknown.stderr).toMatch(/No job has id 999999/);
      expect(await tables()).toEqual(before);

      const human = await cli('cancel', done!.id);
      expect(human.code).toBe(0);
      expect(human.stdout).toBe(`Job ${done!.id} (test.echo, queue default) cancel requested: now completed.\n`);
    },
    SLOW_MS,
  );

  it(
    'pause and resume a queue, as the database records it',
    async () => {
      expect(await json('pause', 'mail')).toEqual({ queue: 'mail', paused: true });
      expect(await t.queue.pausedQueues()).toEqual(['mail']);
      const human = await cli('resume', 'mail');
      expect(human).toMatchObject({ code: 0, stdout: 'Queue mail is running.\n', stderr: '' });
      expect(await t.queue.pausedQueues()).toEqual([]);

      const bad = await cli('pause', 'x'.repeat(300));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^error: .*queue/i);
      expect(await t.queue.pausedQueues()).toEqual([]);
    },
    SLOW_MS,
  );

  it(
    'purge --older-than: finished jobs past the duration, in the states given; the rest stays',
    async () => {
      const jobs = await t.queue.enqueueMany([1, 2, 3].map((n) => ({ name: 'test.echo', input: n })));
      const [failed] = await failedJobs(1);
      await drain();
      const old = [jobs[0]!.id, jobs[1]!.id, failed!.id];
      await t.orm.em
        .fork()
        .nativeUpdate('QueueJob', { id: { $in: old } }, { finishedAt: new Date(Date.now() - 10 * DAY_MS) });

      expect(await json('purge', '--older-than', '30d')).toEqual({ deleted: 0 });
      expect(await json('purge', '--older-than', '7d', '--state', 'completed')).toEqual({ deleted: 2 });
      const left = async () => (await tables())[0]!.map((r: { id: unknown }) => String(r.id));
      expect(await left()).toEqual([jobs[2]!.id, failed!.id]);

      const human = await cli('purge', '--older-than', '1d12h', '--state', 'failed,cancelled');
      expect(human).toMatchObject({ code: 0, stdout: 'Deleted 1 finished job(s).\n', stderr: '' });
      expect(await left()).toEqual([jobs[2]!.id]);
    },
    SLOW_MS,
  );

  it(
    "schema: the DDL of the app's database, or of the one named",
    async () => {
      expect(await json('schema')).toEqual({ database: kind, statements: jobsSchemaSql(kind) });
      const other: DbKind = kind === 'sqlite' ? 'postgresql' : 'sqlite';
      const human = await cli('schema', '--database', other);
      expect(human.code).toBe(0);
      expect(human.stdout.trim()).toBe(
        jobsSchemaSql(other)
          .map((s) => `${s.trim().replace(/;$/, '')};`)
          .join('\n\n'),
      );
    },
    SLOW_MS,
  );

  it(
    'bad arguments: a clear message on stderr, exit 2, nothing on stdout and nothing changed',
    async () => {
      const [failed] = await failedJobs(1);
      await t.orm.em
        .fork()
        .nativeUpdate('QueueJob', { id: failed!.id }, { finishedAt: new Date(Date.now() - 10 * DAY_MS) });
      await t.queue.pauseQueue('mail');
      const before = await tables();
      const cases: [string[], string][] = [
        [['bogus'], "error: unknown command 'bogus'"],
        [['depths', '--bogus'], "error: unknown option '--bogus'"],
        [['purge', '--older-than', '7'], "'7' is not a duration: write a whole number and a unit (ms, s, m, h, d, w)"],
        [['purge', '--older-than', '7x', '--json'], "'7x' is not a duration"],
        [['purge'], "error: required option '--older-than <duration>' not specified"],
        [['purge', '--older-than', '7d', '--state', 'running'], "'running' is not a finished job state"],
        [['purge', '--older-than', '7d', '--state', 'done'], "'done' is not a finished job state"],
        [['show', 'abc'], "'abc' is not a job id"],
        [['show'], "error: missing required argument 'id'"],
        [['retry'], 'error: give a job id, or --name and/or --queue'],
        [['retry', '1', '--name', 'test.echo'], 'error: give a job id or --name/--queue, not both.'],
        [['retry', '--name', 'test.echo', '--batch-size', '0'], "'0' is not a whole number from 1 to 10000"],
        [['schema', '--database', 'oracle'], "argument 'oracle' is invalid. Allowed choices are"],
        [['pause'], "error: missing required argument 'queue'"],
        [['list', '--state', 'finished'], "'finished' is not a job state"],
        [['list', '--limit', '501'], "'501' is not a whole number from 1 to 500"],
        [['list', '--created-after', 'yesterday'], "'yesterday' is not a time"],
        [[], 'Usage:'],
        [['retry', '--name', 'test.throwString', '--bogus'], "error: unknown option '--bogus'"],
      ];
      // Arguments are read before any database is opened: the whole list on the first database, a
      // few on the others (each a process). Side by side: none gets as far as the database.
      const chosen = kind === DB_KINDS[0] ? cases : cases.filter((_, i) => i % 6 === 2);
      // Four at a time: all 19 at once on a loaded machine left one waiting past its 180 s.
      const runs: ChildResult[] = [];
      for (let i = 0; i < chosen.length; i += 4) {
        runs.push(...(await Promise.all(chosen.slice(i, i + 4).map(([args]) => cli(...args)))));
      }
      runs.forEach((run, i) => {
        const [args, message] = chosen[i]!;
        expect({
          args,
          stderr: run.stderr.includes(message) ? message : run.stderr,
          code: run.code,
          stdout: run.stdout,
        }).toEqual({
          args,
          stderr: message,
          code: 2,
          stdout: '',
        });
      });
      expect(await tables()).toEqual(before);
    },
    SLOW_MS,
  );
});

/** The sample app's own command line: its database comes from the environment, as for `npm run demo`. */
describe.each(DB_KINDS)('sample-app/jobs-cli.js on %s', (kind) => {
  it(
    'depths and depths --json, after pause',
    async () => {
      let env: Record<string, string>;
      let drop: () => Promise<void>;
      if (kind === 'sqlite') {
        const file = join(tmpdir(), `jobs-cli-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`);
        env = { DATABASE_URL: '', SAMPLE_APP_SQLITE: file };
        drop = async () => {
          for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(file + suffix, { force: true });
        };
      } else {
        const db = await createTestDatabase(kind);
        env = { DATABASE_URL: db.options.clientUrl!, SAMPLE_APP_SQLITE: '' };
        drop = () => db.drop();
      }
      const sample = (...args: string[]) =>
        runNode('sample-app/jobs-cli.ts', { args, env: { ...env, NO_COLOR: '1' }, timeoutMs: CHILD_TIMEOUT_MS });
      try {
        const empty = await sample('depths');
        expect(empty).toMatchObject({ code: 0, stdout: 'No queue has jobs.\n', stderr: '' });
        expect(await sample('pause', 'media', '--json')).toMatchObject({ code: 0, stderr: '' });
        const run = await sample('depths', '--json');
        expect(run).toMatchObject({ code: 0, stderr: '' });
        expect(JSON.parse(run.stdout)).toEqual({
          queues: [
            {
              queue: 'media',
              due: 0,
              scheduled: 0,
              running: 0,
              blocked: 0,
              failed: 0,
              paused: true,
              completedLastHour: 0,
              failedLastHour: 0,
            },
          ],
        });
        const human = await sample('depths');
        expect(human.stdout).toMatch(/│ media\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│ yes\s+│/);
      } finally {
        await drop();
      }
    },
    SLOW_MS,
  );
});
