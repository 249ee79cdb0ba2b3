/**
 * JobsInspector, the read side of the operations console: keyset pages of jobs with filters, queues
 * at a glance, outcomes per minute, pipelines as graphs. Bad filters throw a typed error naming the
 * option.
 */
import {
  InvalidJobOptionsError,
  JobNotFoundError,
  JobsInspector,
  JobState,
  pipeline,
  type JobSummary,
} from '../../lib/index.js';
import { DB_KINDS, type TestDatabase } from '../helpers/databases.js';
import { closeJobsEnv, openJobsEnv, type JobsTestApp } from '../helpers/jobs-app.js';

describe.each(DB_KINDS)('JobsInspector on %s', (kind) => {
  let db: TestDatabase;
  let t: JobsTestApp;
  let inspector: JobsInspector;

  beforeEach(async () => {
    ({ db, t } = await openJobsEnv(kind));
    inspector = t.app.get(JobsInspector);
  });
  afterEach(() => closeJobsEnv({ db, t }));

  const drain = () => t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
  const ids = (jobs: JobSummary[]) => jobs.map((j) => j.id);
  const enqueueEchoes = async (n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await t.queue.enqueue('test.echo', { i })).id);
    return out;
  };

  it('pages newest first by keyset: pages neither overlap nor skip, with jobs enqueued between pages', async () => {
    const first = await enqueueEchoes(7);
    const page1 = await inspector.listJobs({ limit: 3 });
    expect(ids(page1.jobs)).toEqual(first.slice(4).reverse());
    expect(page1.next).toBe(first[4]);
    const later = await enqueueEchoes(2);
    const page2 = await inspector.listJobs({ limit: 3, after: page1.next! });
    expect(ids(page2.jobs)).toEqual(first.slice(1, 4).reverse());
    const page3 = await inspector.listJobs({ limit: 3, after: page2.next! });
    expect(ids(page3.jobs)).toEqual([first[0]]);
    expect(page3.next).toBeNull();
    const seen = [...page1.jobs, ...page2.jobs, ...page3.jobs].map((j) => j.id);
    expect(new Set(seen).size).toBe(7);
    expect(seen.sort()).toEqual([...first].sort());
    // A fresh first page shows the jobs enqueued meanwhile.
    expect(ids((await inspector.listJobs({ limit: 2 })).jobs)).toEqual([...later].reverse());
    // A page exactly as long as what is left has no next.
    expect((await inspector.listJobs({ limit: 9 })).next).toBeNull();
  });

  it('summarises each job without input or output, with its last error message', async () => {
    const failed = await t.queue.enqueue('test.fail', { message: 'boom' }, { maxAttempts: 1, queue: 'q2' });
    await drain();
    const { jobs } = await inspector.listJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toEqual({
      id: failed.id,
      name: 'test.fail',
      queue: 'q2',
      state: JobState.Failed,
      priority: 0,
      attempts: 1,
      maxAttempts: 1,
      createdAt: expect.any(Date),
      runAfter: expect.any(Date),
      startedAt: expect.any(Date),
      finishedAt: expect.any(Date),
      pipelineId: null,
      errorMessage: 'boom',
    });
  });

  it('filters by state, name, queue and creation time, and pages within a filter', async () => {
    const echoes = await enqueueEchoes(2);
    const f1 = await t.queue.enqueue('test.fail', { message: 'a' }, { maxAttempts: 1 });
    const f2 = await t.queue.enqueue('test.fail', { message: 'b' }, { maxAttempts: 1, queue: 'other' });
    const f3 = await t.queue.enqueue('test.fail', { message: 'c' }, { maxAttempts: 1 });
    await drain();
    const pending = await t.queue.enqueue('test.echo', { late: true }, { runAfter: new Date(Date.now() + 3_600_000) });

    const failed = await inspector.listJobs({ state: JobState.Failed, limit: 2 });
    expect(ids(failed.jobs)).toEqual([f3.id, f2.id]);
    expect(ids((await inspector.listJobs({ state: JobState.Failed, after: failed.next! })).jobs)).toEqual([f1.id]);
    expect(ids((await inspector.listJobs({ state: JobState.Completed })).jobs)).toEqual([...echoes].reverse());
    expect(ids((await inspector.listJobs({ state: JobState.Pending })).jobs)).toEqual([pending.id]);
    expect(ids((await inspector.listJobs({ name: 'test.fail', queue: 'default' })).jobs)).toEqual([f3.id, f1.id]);
    expect(ids((await inspector.listJobs({ queue: 'other' })).jobs)).toEqual([f2.id]);
    expect((await inspector.listJobs({ name: 'no.such' })).jobs).toEqual([]);

    const all = (await inspector.listJobs()).jobs;
    const created = new Map(all.map((j) => [j.id, j.createdAt]));
    const cut = created.get(pending.id)!;
    expect(ids((await inspector.listJobs({ createdAfter: cut })).jobs)).toContain(pending.id);
    const before = ids((await inspector.listJobs({ createdBefore: cut })).jobs);
    expect(before).not.toContain(pending.id);
    expect(before).toContain(echoes[0]);
    expect((await inspector.listJobs({ createdAfter: new Date(Date.now() + 86_400_000) })).jobs).toEqual([]);
  });

  it('refuses a bad filter with InvalidJobOptionsError naming the option', async () => {
    const bad: [object, string][] = [
      [{ state: 'exploded' }, "'state'"],
      [{ limit: 0 }, "'limit'"],
      [{ limit: 501 }, "'limit'"],
      [{ limit: 2.5 }, "'limit'"],
      [{ after: 'abc' }, "'after'"],
      [{ after: "1' or '1'='1" }, "'after'"],
      [{ createdAfter: new Date('nope') }, "'createdAfter'"],
      [{ createdBefore: '2020-01-01' }, "'createdBefore'"],
      [{ queue: '' }, "'queue'"],
      [{ stat: 'failed' }, "'stat'"],
    ];
    for (const [filter, option] of bad) {
      const err = await inspector.listJobs(filter as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidJobOptionsError);
      expect((err as Error).message).toContain(option);
    }
    await expect(inspector.throughput(0)).rejects.toThrow(InvalidJobOptionsError);
  });

  it('gives each queue its depths, failed jobs, pause and the last hour’s outcomes', async () => {
    await enqueueEchoes(3);
    await t.queue.enqueue('test.fail', { message: 'x' }, { maxAttempts: 1 });
    await t.queue.enqueue('test.fail', { message: 'y' }, { maxAttempts: 1, queue: 'billing' });
    await drain();
    await t.queue.enqueue('test.echo', {}, { queue: 'billing' });
    await t.queue.enqueue('test.echo', {}, { queue: 'billing', runAfter: new Date(Date.now() + 3_600_000) });
    await t.queue.pauseQueue('billing');
    await t.queue.pauseQueue('idle');

    expect(await inspector.queueOverview()).toEqual([
      {
        queue: 'billing',
        due: 1,
        scheduled: 1,
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
        failed: 1,
        paused: false,
        completedLastHour: 3,
        failedLastHour: 1,
      },
      {
        queue: 'idle',
        due: 0,
        scheduled: 0,
        running: 0,
        blocked: 0,
        failed: 0,
        paused: true,
        completedLastHour: 0,
        failedLastHour: 0,
      },
    ]);
  });

  it('counts outcomes per minute, every minute listed, on the database clock', async () => {
    await enqueueEchoes(4);
    await t.queue.enqueue('test.fail', { message: 'x' }, { maxAttempts: 1 });
    await drain();
    const buckets = await inspector.throughput(5);
    expect(buckets).toHaveLength(5);
    const minutes = buckets.map((b) => Date.parse(b.minute));
    for (let i = 1; i < 5; i++) expect(minutes[i]! - minutes[i - 1]!).toBe(60_000);
    expect(minutes[4]! % 60_000).toBe(0);
    // The jobs finished in the last minute or two (a drain can straddle a minute's end).
    expect(buckets.reduce((n, b) => n + b.completed, 0)).toBe(4);
    expect(buckets.reduce((n, b) => n + b.failed, 0)).toBe(1);
    expect(buckets.slice(0, 3).every((b) => b.completed === 0 && b.failed === 0)).toBe(true);
    expect(await inspector.throughput()).toHaveLength(60);
  });

  it('shows a pipeline as a graph: steps as nodes, dependencies as edges', async () => {
    const p = await t.queue.enqueuePipeline(
      pipeline('graph')
        .step('a', 'test.echo', { input: { v: 1 } })
        .step('b', 'test.echo', { after: 'a' })
        .step('c', 'test.echo', { after: ['a', 'b'] }),
    );
    const graph = await inspector.pipelineGraph(p.id);
    expect(graph.pipeline).toMatchObject({ id: p.id, name: 'graph' });
    const [a, b, c] = ['a', 'b', 'c'].map((k) => p.steps[k]!.id);
    expect(ids(graph.nodes)).toEqual([a, b, c]);
    expect(graph.nodes.map((n) => n.state)).toEqual(['pending', 'blocked', 'blocked']);
    expect(graph.nodes.every((n) => n.pipelineId === p.id)).toBe(true);
    const edges = graph.edges.map((e) => `${e.from}->${e.to}`).sort();
    expect(edges).toEqual([`${a}->${b}`, `${a}->${c}`, `${b}->${c}`].sort());
    await expect(inspector.pipelineGraph('999999')).rejects.toThrow(JobNotFoundError);
    await expect(inspector.pipelineGraph('x')).rejects.toThrow(JobNotFoundError);
  });
});
