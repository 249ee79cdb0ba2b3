/**
 * The operations console's JSON API, reads: queues, throughput, pages of jobs (keyset, filters),
 * one job whole, a pipeline as a graph; bad input answered 400 (naming the field) or 404. Over a real
 * HTTP server (port 0) with Node's fetch, on every database.
 */
import { JobState, pipeline } from '../../lib/index.js';
import { call, openAdminApp, READ, type AdminTestApp } from '../helpers/admin-app.js';
import { DB_KINDS } from '../helpers/databases.js';

describe.each(DB_KINDS)('admin API reads on %s', (kind) => {
  let t: AdminTestApp;

  beforeEach(async () => {
    t = await openAdminApp(kind);
  });
  afterEach(() => t.close());

  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
  const get = (path: string) => call(t.api, 'GET', path);
  const ids = (jobs: { id: string }[]) => jobs.map((j) => j.id);

  it('GET /queues gives each queue its depths, failures and outcomes; GET /throughput the minutes', async () => {
    await t.queue.enqueue('test.echo', { n: 1 });
    await t.queue.enqueue('test.fail', { message: 'nope' }, { maxAttempts: 1, queue: 'billing' });
    await drain();
    await t.queue.enqueue('test.echo', { n: 2 }, { queue: 'billing' });
    await t.queue.pauseQueue('billing');

    const queues = await get('/queues');
    expect(queues.status).toBe(200);
    expect(queues.body).toEqual({
      queues: [
        {
          queue: 'billing',
          due: 1,
          scheduled: 0,
          running: 0,
          blocked: 0,
          failed: 1,
          paused: true,
          completedLastHour: 0,
          failedLastHour: 1,
        },
        {
          queue: 'default',
          due: 0,
          scheduled: 0,
          running: 0,
          blocked: 0,
          failed: 0,
          paused: false,
          completedLastHour: 1,
          failedLastHour: 0,
        },
      ],
      readOnly: false, // for the dashboard, which then shows the actions
    });

    const hour = await get('/throughput');
    expect(hour.status).toBe(200);
    expect(hour.body.buckets).toHaveLength(60);
    const sums = await get('/throughput?minutes=10');
    expect(sums.body.buckets).toHaveLength(10);
    expect(Number.isNaN(Date.parse(sums.body.buckets[9].minute))).toBe(false);
    const total = (k: 'completed' | 'failed') =>
      (sums.body.buckets as Record<string, number>[]).reduce((n, b) => n + b[k]!, 0);
    expect([total('completed'), total('failed')]).toEqual([1, 1]);

    for (const bad of ['minutes=0', 'minutes=1441', 'minutes=ten', 'hours=1']) {
      const answer = await get(`/throughput?${bad}`);
      expect(answer.status).toBe(400);
      expect(answer.text).toMatch(/minutes|hours/);
    }
  });

  it('GET /jobs pages newest first by keyset: no page overlaps or skips, with jobs enqueued between pages', async () => {
    const first: string[] = [];
    for (let i = 0; i < 5; i++) first.push((await t.queue.enqueue('test.echo', { i })).id);
    const page1 = await get('/jobs?limit=2');
    expect(page1.status).toBe(200);
    expect(ids(page1.body.jobs)).toEqual([first[4], first[3]]);
    expect(typeof page1.body.next).toBe('string');
    const added = (await t.queue.enqueue('test.echo', { added: true })).id;
    const page2 = await get(`/jobs?limit=2&after=${page1.body.next}`);
    expect(ids(page2.body.jobs)).toEqual([first[2], first[1]]);
    const page3 = await get(`/jobs?limit=2&after=${page2.body.next}`);
    expect(ids(page3.body.jobs)).toEqual([first[0]]);
    expect(page3.body.next).toBeNull();
    expect(ids((await get('/jobs?limit=1')).body.jobs)).toEqual([added]);
    // Default page size 50; a summary carries no input, output or stack.
    const all = await get('/jobs');
    expect(all.body.jobs).toHaveLength(6);
    expect(Object.keys(all.body.jobs[0]).sort()).toEqual(
      [
        'id',
        'name',
        'queue',
        'state',
        'priority',
        'attempts',
        'maxAttempts',
        'createdAt',
        'runAfter',
        'startedAt',
        'finishedAt',
        'pipelineId',
        'errorMessage',
      ].sort(),
    );
  });

  it('GET /jobs filters by state, name, queue and creation time', async () => {
    const echo = await t.queue.enqueue('test.echo', {});
    const failA = await t.queue.enqueue('test.fail', { message: 'A' }, { maxAttempts: 1, queue: 'a' });
    const failB = await t.queue.enqueue('test.fail', { message: 'B' }, { maxAttempts: 1 });
    await drain();
    const failed = await get(`/jobs?state=failed`);
    expect(ids(failed.body.jobs)).toEqual([failB.id, failA.id]);
    expect(failed.body.jobs.map((j: { errorMessage: string }) => j.errorMessage)).toEqual(['B', 'A']);
    expect(ids((await get('/jobs?state=completed')).body.jobs)).toEqual([echo.id]);
    expect(ids((await get('/jobs?name=test.fail&queue=a')).body.jobs)).toEqual([failA.id]);
    expect(ids((await get('/jobs?queue=default&state=failed')).body.jobs)).toEqual([failB.id]);
    const created = new Date((await t.queue.get(failA.id)).createdAt);
    const after = await get(`/jobs?createdAfter=${encodeURIComponent(created.toISOString())}`);
    expect(ids(after.body.jobs)).toEqual(expect.arrayContaining([failA.id, failB.id]));
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect((await get(`/jobs?createdAfter=${encodeURIComponent(later)}`)).body.jobs).toEqual([]);
    const beforeAll = new Date(created.getTime() - 3_600_000).toISOString();
    expect((await get(`/jobs?createdBefore=${encodeURIComponent(beforeAll)}`)).body.jobs).toEqual([]);
  });

  it('GET /jobs refuses a bad filter with 400 naming the field', async () => {
    await t.queue.enqueue('test.echo', {});
    const bad: [string, string][] = [
      ['state=exploded', 'state'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=many', 'limit'],
      ['after=abc', 'after'],
      ['after=1%20or%201%3D1', 'after'],
      ['createdAfter=yesterday', 'createdAfter'],
      ['createdBefore=2026-13-45', 'createdBefore'],
      ['queue=', 'queue'],
      ['stat=failed', 'stat'],
    ];
    for (const [query, field] of bad) {
      const answer = await get(`/jobs?${query}`);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
      expect(JSON.stringify(answer.body.message)).toContain(field);
    }
  });

  it('GET /jobs/:id gives the job whole, with its error and stack, attempt log and progress; 404 for an unknown id', async () => {
    const job = await t.queue.enqueue('test.fail', { message: 'kaput' }, { maxAttempts: 2 });
    await drain();
    await t.queue.retry(job.id).catch(() => undefined);
    await drain();
    const answer = await get(`/jobs/${job.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      id: job.id,
      name: 'test.fail',
      state: JobState.Failed,
      input: { message: 'kaput' },
      output: null,
      error: { message: 'kaput', name: 'Error', stack: expect.stringContaining('kaput') },
      progress: null,
    });
    expect(answer.body.attemptLog.length).toBeGreaterThanOrEqual(2);
    for (const id of ['999999', 'abc', '-1', '0']) {
      const missing = await get(`/jobs/${id}`);
      expect({ id, status: missing.status }).toEqual({ id, status: 404 });
      expect(missing.body.message).toMatch(/No job has id/);
    }
  });

  it('GET /pipelines/:id gives the pipeline, its steps as nodes and its edges; 404 for an unknown id', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('graph')
        .step('a', 'test.echo', { input: { v: 1 } })
        .step('b', 'test.echo', { after: 'a' }),
    );
    const [a, b] = [p.steps.a!.id, p.steps.b!.id];
    const answer = await get(`/pipelines/${p.id}`);
    expect(answer.status).toBe(200);
    expect(answer.body.pipeline).toMatchObject({ id: p.id, name: 'graph', state: 'pending' });
    expect(ids(answer.body.nodes)).toEqual([a, b]);
    expect(answer.body.edges).toEqual([{ from: a, to: b }]);
    expect((await get('/pipelines/424242')).status).toBe(404);
    expect((await get('/pipelines/nope')).status).toBe(404);
  });

  it('answers only under its path', async () => {
    const root = t.api.replace(/\/jobs-admin\/api$/, '');
    expect((await fetch(`${root}/api/queues`, { headers: READ })).status).toBe(404);
    expect((await fetch(`${root}/jobs-admin/api/queues`, { headers: READ })).status).toBe(200);
  });
});
