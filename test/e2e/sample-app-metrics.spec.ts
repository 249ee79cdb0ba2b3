/**
 * The sample app's `GET /metrics` (OpenTelemetry's Prometheus exporter on the app's own HTTP server),
 * the real `sample-app/main.ts` in a child process with `SAMPLE_APP_CONSUMER=1` (a consumer in the
 * HTTP process): after demo-like work over HTTP (signups, a CRM sync that fails, a report pipeline
 * whose step spawns children), it shows the job counters with their name and queue labels.
 */
import { DB_KINDS } from '../helpers/databases.js';
import { sampleAppTarget, type SampleAppTarget } from '../helpers/sample-app.env.js';
import { killAll, spawnNode, waitUntil } from '../helpers/spawned-process.js';

describe.each(DB_KINDS)('sample app GET /metrics on %s', (kind) => {
  let target: SampleAppTarget | undefined;

  afterEach(async () => {
    await killAll();
    await target?.drop();
    target = undefined;
  });

  /** A series' value in the Prometheus text, undefined when absent. */
  const series = (text: string, name: string, job: string) => {
    const labels = `job_name="${job}",messaging_destination_name="default",otel_scope_name="nestjs-job-pipelines"`;
    const found = new RegExp(`^${name}\\{${labels.replace(/\./g, '\\.')}\\} ([\\d.]+)$`, 'm').exec(text);
    return found ? Number(found[1]) : undefined;
  };

  it('with SAMPLE_APP_CONSUMER=1 shows enqueued, started, completed, retried and failed after work over HTTP', async () => {
    target = await sampleAppTarget(kind);
    // CRM_API_TOKEN unset: the CRM refuses every sync (sample-app/crm/crm.client.ts).
    const app = spawnNode('sample-app/main.ts', {
      env: { ...target.env, PORT: '0', SAMPLE_APP_CONSUMER: '1', CRM_API_TOKEN: undefined },
    });
    const [, url] = await app.waitFor(/listening on (http:\/\/\S+) /, 60_000);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect([path, res.ok]).toEqual([path, true]);
      return res.json() as Promise<any>;
    };
    for (const email of ['a@example.com', 'b@example.com']) await post('/signups', { email });
    await post('/crm/syncs', { contactId: 7 });
    await post('/reports', { month: '2026-11', regions: ['north', 'south'] });

    const metrics = async () => {
      const res = await fetch(`${url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      return res.text();
    };
    // The consumer in the app's process runs them; wait for the last of each kind to be counted.
    const text = await waitUntil(
      async () => {
        const t = await metrics();
        const done =
          series(t, 'jobs_completed_total', 'mail.welcome') === 2 &&
          series(t, 'jobs_failed_total', 'crm.sync') === 1 &&
          series(t, 'jobs_completed_total', 'reports.render') === 1;
        return done ? t : undefined;
      },
      'the jobs run by the in-process consumer to show in /metrics',
      60_000,
    );
    for (const counter of ['enqueued', 'started', 'completed', 'retried', 'failed']) {
      expect(text).toContain(`# TYPE jobs_${counter}_total counter`);
    }
    const expected: [string, string, number][] = [
      ['jobs_enqueued_total', 'mail.welcome', 2],
      ['jobs_started_total', 'mail.welcome', 2],
      ['jobs_completed_total', 'mail.welcome', 2],
      ['jobs_run_duration_count', 'mail.welcome', 2],
      ['jobs_enqueued_total', 'crm.sync', 1],
      ['jobs_started_total', 'crm.sync', 2], // maxAttempts 2
      ['jobs_retried_total', 'crm.sync', 1],
      ['jobs_failed_total', 'crm.sync', 1],
      ['jobs_enqueued_total', 'reports.fetch', 1],
      ['jobs_completed_total', 'reports.split', 1],
      ['jobs_enqueued_total', 'reports.summarise', 2], // spawned by reports.split, one per region
      ['jobs_completed_total', 'reports.summarise', 2],
      ['jobs_completed_total', 'reports.render', 1],
    ];
    expect(expected.map(([name, job]) => [name, job, series(text, name, job)])).toEqual(expected);
    expect(series(text, 'jobs_completed_total', 'crm.sync')).toBeUndefined();

    // The app's shutdown stops its consumer gracefully; Nest then exits by the signal it caught.
    app.signal('SIGTERM');
    await app.waitFor(/consumer \S+ stopped: \d+ completed/, 30_000);
    expect(await app.exited).toMatchObject({ code: null, signal: 'SIGTERM' });
  }, 120_000);
});
