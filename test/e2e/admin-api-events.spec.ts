/**
 * The console's event stream, `GET <path>/api/events` (server-sent events fed by the job events
 * bus): on every database it delivers this process's events and says whether other processes' reach
 * it; on PostgreSQL it delivers the completion of a job another process ran, on MariaDB it tells
 * nothing of it. (Refused like every other endpoint: admin-api-security.spec.ts.)
 */
import { pipeline } from '../../lib/index.js';
import { call, openAdminApp, READ, type AdminTestApp } from '../helpers/admin-app.js';
import { drainInChildProcess } from '../helpers/child-process.js';
import { DB_KINDS, testDbEnv } from '../helpers/databases.js';
import { openEventStream, type EventStream } from '../helpers/event-stream.js';

/** What the stream says of a completed first attempt of `test.echo` outside a pipeline. */
const echoCompleted = (id: string, remote: boolean) => ({
  event: 'jobs.job.completed',
  id,
  name: 'test.echo',
  queue: 'default',
  attempt: 1,
  pipelineId: null,
  step: null,
  remote,
});

describe.each(DB_KINDS)('admin API event stream on %s', (kind) => {
  let t: AdminTestApp | undefined;
  let stream: EventStream | undefined;
  afterEach(async () => {
    stream?.close();
    await t?.close();
    t = stream = undefined;
  });

  it('streams the events of this process, after a hello that says whether other processes are heard', async () => {
    t = await openAdminApp(kind);
    stream = await openEventStream(t.api, READ);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    expect(await stream.next()).toEqual({ event: 'hello', crossProcess: kind === 'postgresql' });

    const job = await t.queue.enqueue('test.echo', { secret: 'not streamed' });
    expect(await stream.next()).toMatchObject({ event: 'jobs.job.enqueued', id: job.id, name: 'test.echo' });
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const completed = await stream.next((e) => e.event === 'jobs.job.completed');
    expect(completed).toEqual(echoCompleted(job.id, false));
    expect(JSON.stringify(completed)).not.toContain('not streamed');

    const p = await t.queue.enqueuePipeline(pipeline('streamed').step('a', 'test.echo', { input: 1 }));
    await t.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    expect(await stream.next((e) => e.event === 'jobs.pipeline.completed')).toMatchObject({
      pipelineId: p.id,
      name: 'streamed',
      state: 'completed',
    });
  });

  it('ends open streams when the app closes, so that the close completes', async () => {
    t = await openAdminApp(kind);
    stream = await openEventStream(t.api, READ);
    expect(await stream.next()).toMatchObject({ event: 'hello' });
    const app = t;
    t = undefined;
    await app.close(); // would wait for the open stream forever (the test's timeout) without the end
    await expect(stream.next(() => false, 10_000)).rejects.toThrow(/ended|terminated|aborted/);
  });

  if (kind === 'postgresql')
    it('delivers the completion of a job another process ran', async () => {
      t = await openAdminApp(kind);
      stream = await openEventStream(t.api, READ);
      expect(await stream.next()).toEqual({ event: 'hello', crossProcess: true });
      const job = await t.queue.enqueue('test.echo', { i: 1 });
      const child = await drainInChildProcess(testDbEnv(t.db));
      expect(child.code).toBe(0);
      expect(await stream.next((e) => e.event === 'jobs.job.completed')).toEqual(echoCompleted(job.id, true));
    });

  // Without a channel between processes (MariaDB), the stream says so at once and carries only this
  // process's events; the dashboard then finds other processes' work at its poll, through the API.
  if (kind === 'mariadb')
    it('tells nothing of a job another process ran, after saying so; the API shows it', async () => {
      t = await openAdminApp(kind);
      stream = await openEventStream(t.api, READ);
      expect(await stream.next()).toEqual({ event: 'hello', crossProcess: false });
      const job = await t.queue.enqueue('test.echo', { i: 1 });
      expect(await stream.next()).toMatchObject({ event: 'jobs.job.enqueued', id: job.id });
      const child = await drainInChildProcess(testDbEnv(t.db));
      expect(child.code).toBe(0);
      const read = await call(t.api, 'GET', `/jobs/${job.id}`);
      expect([read.status, (read.body as { state: string }).state]).toEqual([200, 'completed']);
      // The next event is this process's own next one: no completion came from the other process.
      const mine = await t.queue.enqueue('test.echo', { i: 2 });
      expect(await stream.next()).toMatchObject({ event: 'jobs.job.enqueued', id: mine.id });
    });
});
