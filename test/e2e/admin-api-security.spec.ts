/**
 * The operations console is closed by default: no boot without a guard (or an explicit
 * allowUnauthenticated); every endpoint refused when the app's guard says no, with no job data in
 * the answer and nothing changed; actions refused in read-only mode, without `X-Jobs-Admin: 1`,
 * from another site, or when the action guard says no.
 */
import { JobsAdminModule, JobsConfigurationError, pipeline, type JobsAdminOptions } from '../../lib/index.js';
import {
  ACT,
  call,
  GOOD_TOKEN,
  openAdminApp,
  READ,
  snapshot,
  TestActionGuard,
  TestAdminGuard,
  type AdminTestApp,
} from '../helpers/admin-app.js';
import { DB_KINDS } from '../helpers/databases.js';
import { openEventStream } from '../helpers/event-stream.js';

/** A marker in the jobs' inputs and errors: a refused answer must not contain it. */
const SECRET = 'secret-4242';

describe('JobsAdminModule options', () => {
  it('refuses to boot without a guard or allowUnauthenticated, naming both', () => {
    const err = (() => {
      try {
        void JobsAdminModule.forRoot({});
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(JobsConfigurationError);
    expect((err as Error).message).toContain("'guard'");
    expect((err as Error).message).toContain("'allowUnauthenticated: true'");
    expect(() => JobsAdminModule.forRoot({ allowUnauthenticated: false })).toThrow(JobsConfigurationError);
  });

  it('refuses bad options at boot, naming the option', () => {
    const bad: [unknown, string][] = [
      [{ guard: TestAdminGuard, path: 'a b' }, "'path'"],
      [{ guard: TestAdminGuard, path: 42 }, "'path'"],
      [{ guard: 'yes' }, "'guard'"],
      [{ guard: TestAdminGuard, actionGuard: {} }, "'actionGuard'"],
      [{ guard: TestAdminGuard, readOnly: 'no' }, "'readOnly'"],
      [{ guard: TestAdminGuard, gaurd: TestAdminGuard }, "'gaurd'"],
    ];
    for (const [options, named] of bad) {
      expect(() => JobsAdminModule.forRoot(options as JobsAdminOptions)).toThrow(named);
    }
  });
});

describe.each(DB_KINDS)('admin API security on %s', (kind) => {
  let t: AdminTestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** A failed job, a pending one and a pipeline, each carrying the secret marker. */
  async function seed(app: AdminTestApp) {
    const failed = await app.queue.enqueue('test.fail', { message: SECRET }, { maxAttempts: 1 });
    await app.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
    const pending = await app.queue.enqueue('test.echo', { SECRET }, { runAfter: new Date(Date.now() + 3_600_000) });
    const p = await app.queue.enqueuePipeline(pipeline(SECRET).step('a', 'test.echo', { input: { SECRET } }));
    return { failed: failed.id, pending: pending.id, pipeline: p.id };
  }

  /** Every endpoint of the API, reads then actions. */
  function endpoints(ids: { failed: string; pending: string; pipeline: string }) {
    const reads: [string, string][] = [
      ['GET', '/queues'],
      ['GET', '/throughput?minutes=5'],
      ['GET', '/jobs?state=failed'],
      ['GET', `/jobs/${ids.failed}`],
      ['GET', `/pipelines/${ids.pipeline}`],
    ];
    const actions: [string, string, unknown?][] = [
      ['POST', `/jobs/${ids.failed}/retry`],
      ['POST', `/jobs/${ids.pending}/discard`],
      ['POST', `/jobs/${ids.pending}/cancel`],
      ['POST', '/jobs/retry', { name: 'test.fail' }],
      ['POST', '/queues/default/pause'],
      ['POST', '/queues/default/resume'],
      ['POST', '/purge', { olderThanMs: 0 }],
    ];
    return { reads, actions };
  }

  it('refuses every endpoint when the guard says no: no job data in the answer, nothing changed', async () => {
    t = await openAdminApp(kind);
    const ids = await seed(t);
    const { reads, actions } = endpoints(ids);
    const before = await snapshot(t.orm);
    const strangers: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: GOOD_TOKEN },
      { 'x-jobs-admin': '1' },
    ];
    for (const [method, path, body] of [...reads, ...actions]) {
      for (const headers of strangers) {
        const answer = await call(t.api, method as 'GET' | 'POST', path, headers, body);
        expect({ method, path, headers, status: answer.status }).toEqual({ method, path, headers, status: 403 });
        expect(answer.text).not.toContain(SECRET);
        expect(answer.text).not.toContain('test.fail');
        expect(answer.text).not.toMatch(/stack|"id"/);
      }
    }
    // The event stream: a stream let in never ends, so it is opened, not read whole.
    for (const headers of strangers) {
      const refused = await openEventStream(t.api, headers);
      refused.close();
      expect({ path: '/events', headers, status: refused.status }).toEqual({ path: '/events', headers, status: 403 });
    }
    expect(await snapshot(t.orm)).toEqual(before);
    // The same requests with the token go through.
    for (const [method, path] of reads) expect((await call(t.api, method as 'GET', path)).status).toBe(200);
    const stream = await openEventStream(t.api, READ);
    try {
      expect(stream.status).toBe(200);
      expect(await stream.next()).toMatchObject({ event: 'hello' });
    } finally {
      stream.close();
    }
  });

  it('read-only: reads answer, every action is refused with 403 and changes nothing', async () => {
    t = await openAdminApp(kind, { guard: TestAdminGuard, readOnly: true });
    const ids = await seed(t);
    const { reads, actions } = endpoints(ids);
    const before = await snapshot(t.orm);
    for (const [method, path, body] of actions) {
      const answer = await call(t.api, method as 'POST', path, ACT, body);
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
      expect(answer.body.message).toMatch(/read-only/);
    }
    expect(await snapshot(t.orm)).toEqual(before);
    for (const [method, path] of reads) expect((await call(t.api, method as 'GET', path)).status).toBe(200);
    // The dashboard learns it from GET /queues and shows no action.
    expect((await call(t.api, 'GET', '/queues')).body.readOnly).toBe(true);
  });

  it('refuses actions without X-Jobs-Admin: 1 or from another site; the action guard has its say', async () => {
    t = await openAdminApp(kind, { guard: TestAdminGuard, actionGuard: TestActionGuard, path: '/ops/jobs/' });
    expect(t.api).toMatch(/\/ops\/jobs\/api$/);
    const ids = await seed(t);
    const before = await snapshot(t.orm);
    const retry = `/jobs/${ids.failed}/retry`;
    const refused: [Record<string, string>, RegExp][] = [
      [{ ...READ, 'x-role': 'admin' }, /X-Jobs-Admin/],
      [{ ...READ, 'x-role': 'admin', 'x-jobs-admin': '0' }, /X-Jobs-Admin/],
      [{ ...ACT, 'x-role': 'admin', 'sec-fetch-site': 'cross-site' }, /another site/],
      [{ ...ACT }, /Forbidden/],
      [{ ...ACT, 'x-role': 'viewer' }, /Forbidden/],
    ];
    for (const [headers, why] of refused) {
      const answer = await call(t.api, 'POST', retry, headers);
      expect({ headers, status: answer.status }).toEqual({ headers, status: 403 });
      expect(answer.body.message).toMatch(why);
      expect(answer.text).not.toContain(SECRET);
    }
    expect(await snapshot(t.orm)).toEqual(before);
    // Reads need only the guard; an action from the console's own origin with every check passed goes through.
    expect((await call(t.api, 'GET', `/jobs/${ids.failed}`)).status).toBe(200);
    const ok = await call(t.api, 'POST', retry, { ...ACT, 'x-role': 'admin', 'sec-fetch-site': 'same-origin' });
    expect(ok).toMatchObject({ status: 200, body: { id: ids.failed, state: 'pending' } });
  });

  it('allowUnauthenticated opens reads to anyone; actions still need X-Jobs-Admin', async () => {
    t = await openAdminApp(kind, { allowUnauthenticated: true });
    const ids = await seed(t);
    expect((await call(t.api, 'GET', `/jobs/${ids.failed}`, {})).status).toBe(200);
    expect((await call(t.api, 'POST', '/queues/default/pause', {})).status).toBe(403);
    expect((await call(t.api, 'POST', '/queues/default/pause', { 'x-jobs-admin': '1' })).status).toBe(200);
  });
});
