/**
 * The dashboard in a real browser (headless Chromium, test/helpers/browser.ts) on the sample app
 * (its AppModule over HTTP on port 0, with JOBS_ADMIN_TOKEN set) on every database: log in with
 * the token, page through the job list, see a failed job's stack, retry it and watch a consumer
 * child process complete it, see a pipeline's graph, pause a queue; a read-only console shows no
 * action button. Every wait is on page state.
 * `DASHBOARD_SCREENSHOTS=1` also writes the README's screenshots (docs/screenshots/*.png).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Browser, Page } from 'playwright-core';
import { JobQueue, JobState, type JobRecord } from '../../lib/index.js';
import { monthlyReport } from '../../sample-app/reports/report.pipeline.js';
import { openAdminApp, type AdminTestApp } from '../helpers/admin-app.js';
import { collectPageErrors, HAS_CHROMIUM, launchChromium, NO_CHROMIUM, screenshot } from '../helpers/browser.js';
import { runNode } from '../helpers/child-process.js';
import { DB_KINDS } from '../helpers/databases.js';
import { sampleAppTarget, setEnv, type SampleAppTarget } from '../helpers/sample-app.env.js';
import { killAll, spawnNode } from '../helpers/spawned-process.js';

const TOKEN = randomBytes(16).toString('hex');
/** The dashboard's page size (lib/admin/dashboard/ui/jobs.view.ts): more welcome mails than that. */
const PAGE_SIZE = 50;
const WELCOME_JOBS = 60;
/** The sample app's own 401s (the dashboard's first probe, the wrong token) are expected. */
const EXPECTED_CONSOLE = [/status of 401/];

const suite = HAS_CHROMIUM ? describe.each(DB_KINDS) : describe.skip.each(DB_KINDS);
const title = HAS_CHROMIUM ? 'dashboard in Chromium on the sample app on %s' : `dashboard on %s (${NO_CHROMIUM})`;

suite(title, (kind) => {
  let target: SampleAppTarget;
  let restoreEnv: () => void;
  let app: INestApplication;
  let queue: JobQueue;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let dashboard: string;
  const jobRequests: string[] = [];
  /** The dashboard's event stream (GET api/events), opened once logged in. */
  const streamRequests: string[] = [];
  let crm: JobRecord;
  let pipelineId: string;
  /** The first database writes the screenshots (when asked to); the others check the same pages. */
  const shoot = (name: string) => (kind === DB_KINDS[0] ? screenshot(page, name) : Promise.resolve());

  beforeAll(async () => {
    target = await sampleAppTarget(kind);
    restoreEnv = setEnv({ ...target.env, JOBS_ADMIN_TOKEN: TOKEN });
    // Imported once the token is in the environment, wherever the app reads it.
    const { AppModule } = await import('../../sample-app/app.module.js');
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    dashboard = `${await app.getUrl()}/jobs-admin/`;
    queue = app.get(JobQueue);

    await queue.enqueueMany(
      Array.from({ length: WELCOME_JOBS }, (_, i) => ({
        name: 'mail.welcome',
        input: { userId: i + 1, email: `user${i + 1}@example.com` },
      })),
    );
    crm = await queue.enqueue('crm.sync', { contactId: 42 }, { maxAttempts: 1 });
    pipelineId = (await queue.enqueuePipeline(monthlyReport('2026-11', ['north', 'south']))).id;
    // A consumer whose CRM token is revoked runs everything once: the CRM sync fails.
    const run = await runNode('sample-app/consumer.ts', {
      args: ['--until-empty', '--concurrency', '10'],
      env: { ...target.env, CRM_API_TOKEN: '', NO_COLOR: '1' },
      timeoutMs: 45_000,
    });
    expect(run.code).toBe(0);
    expect((await queue.get(crm.id)).state).toBe(JobState.Failed);

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(20_000);
    errors = collectPageErrors(page, EXPECTED_CONSOLE);
    page.on('request', (request) => {
      if (/\/api\/jobs\?/.test(request.url())) jobRequests.push(request.url());
      if (/\/api\/events$/.test(request.url())) streamRequests.push(request.url());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await killAll();
    await app?.close();
    restoreEnv?.();
    await target?.drop();
  });

  it('serves the page and its bundle with their content types and a CSP that allows no inline script', async () => {
    const pageResponse = await fetch(dashboard);
    expect(pageResponse.status).toBe(200);
    expect(pageResponse.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = pageResponse.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    const html = await pageResponse.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // every script is a file
    const js = await fetch(new URL('assets/app.js', dashboard));
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    const css = await fetch(new URL('assets/app.css', dashboard));
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await fetch(new URL('assets/..%2F..%2Fpackage.json', dashboard))).status).toBe(404);
  });

  it('asks for the token, refuses a wrong one, logs in with the right one and shows the queues with the chart', async () => {
    await page.goto(dashboard);
    const token = page.getByLabel('Admin token');
    await token.waitFor();
    await shoot('login');
    await token.fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The server refused this token.' }).waitFor();

    await token.fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    const row = page.locator('[data-testid=queues] tr[data-queue=default]');
    await row.waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await page
      .locator('[data-testid=throughput-total]')
      .filter({ hasText: /[1-9]\d* completed, [1-9]\d* failed/ })
      .waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('jobs-admin-token'))).toBe(TOKEN);
    await shoot('queues');
  });

  it('lists jobs a page at a time with the next page by keyset, and filters by state and name', async () => {
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    const rows = page.locator('[data-testid=jobs] tbody tr');
    await page.locator('[data-testid=jobs]').waitFor();
    expect(await rows.count()).toBe(PAGE_SIZE);
    await shoot('jobs');
    const lastOnPage = await rows.last().getAttribute('data-job-id');
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.waitForURL(new RegExp(`after=${lastOnPage}`));
    await page.locator(`[data-testid=jobs] tbody tr[data-job-id="${Number(lastOnPage) - 1}"]`).waitFor();
    const firstOfNext = Number(await rows.first().getAttribute('data-job-id'));
    expect(firstOfNext).toBeLessThan(Number(lastOnPage));

    await page.getByLabel('Name').fill('mail.welcome');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/name=mail\.welcome/);
    await page.getByLabel('State').selectOption('completed');
    await page.waitForURL(/state=completed/);
    await page.locator('[data-testid=jobs]').waitFor();
    const states = await page.locator('[data-testid=jobs] tbody .badge').allTextContents();
    expect(states.length).toBe(PAGE_SIZE);
    expect(new Set(states)).toEqual(new Set(['completed']));
    // Never more than a page: every list request asks for one page.
    expect(jobRequests.length).toBeGreaterThan(0);
    for (const url of jobRequests) expect(new URL(url).searchParams.get('limit')).toBe(String(PAGE_SIZE));
  });

  it("shows a failed job's stack, retries it after a confirmation, and a consumer with a new token completes it", async () => {
    await page.getByRole('link', { name: 'Failed', exact: true }).click();
    await page.getByRole('button', { name: 'Retry all' }).waitFor(); // bulk retry, offered on the failed jobs
    await page.locator(`[data-testid=jobs] tr[data-job-id="${crm.id}"] a`).click();
    const stack = page.locator('[data-testid=stack]');
    await stack.waitFor();
    expect(await stack.textContent()).toMatch(/^CrmUnauthorizedError: CRM refused contact 42[\s\S]*upsertContact/);
    await shoot('job-failed');

    const consumer = spawnNode('sample-app/consumer.ts', { env: { ...target.env, CRM_API_TOKEN: 'rotated' } });
    await consumer.waitFor(/consumer \S+ started/);
    await page.getByRole('button', { name: 'Retry' }).click();
    await page
      .getByRole('dialog')
      .filter({ hasText: `Retry job ${crm.id}` })
      .waitFor();
    await page.getByRole('button', { name: 'Confirm retry' }).click();
    await page.locator('[data-testid=job-detail] h1 [data-state=completed]').waitFor();
    await page.locator('[data-testid=output]').filter({ hasText: '"synced": true' }).waitFor();
    const job = await queue.get(crm.id);
    expect(job.state).toBe(JobState.Completed);
    expect(job.attemptLog.map((a) => a.outcome)).toEqual(['failed', 'retried']);
    await page.locator('[data-testid=attempt-log]').filter({ hasText: 'retried' }).waitFor();
    await shoot('job-retried');
  }, 60_000);

  it("draws a pipeline's steps and their edges", async () => {
    const p = await queue.getPipeline(pipelineId);
    await page.goto(`${dashboard}#/pipelines/${pipelineId}`);
    await page.locator('[data-testid=pipeline] svg.graph').waitFor();
    await page.locator('svg.graph a.node[data-step=render].state-completed').waitFor();
    expect(await page.locator('svg.graph a.node').count()).toBe(Object.keys(p.steps).length);
    expect(await page.locator('svg.graph path.edge').count()).toBeGreaterThanOrEqual(Object.keys(p.steps).length - 1);
    await shoot('pipeline');
  });

  it('pauses a queue after a confirmation and shows it paused', async () => {
    await page.getByRole('link', { name: 'Queues', exact: true }).click();
    const row = page.locator('[data-testid=queues] tr[data-queue=default]');
    await row.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Confirm pause' }).click();
    await row.locator('[data-testid=queue-status]').filter({ hasText: 'paused' }).waitFor();
    await row.getByRole('button', { name: 'Resume' }).waitFor();
    const api = await fetch(new URL('api/queues', dashboard), { headers: { Authorization: `Bearer ${TOKEN}` } });
    const { queues } = (await api.json()) as { queues: { queue: string; paused: boolean }[] };
    expect(queues.find((q) => q.queue === 'default')?.paused).toBe(true);
    await shoot('queues-paused');
    // The pages refreshed on the event stream too (on SQLite and MariaDB it carries this process's events only).
    expect(streamRequests.length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});

suite(
  HAS_CHROMIUM ? 'dashboard with allowUnauthenticated at a nested path on %s' : `dashboard open on %s (${NO_CHROMIUM})`,
  (kind) => {
    let admin: AdminTestApp;
    let browser: Browser;

    beforeAll(async () => {
      admin = await openAdminApp(kind, { allowUnauthenticated: true, path: 'ops/jobs' });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await admin?.close();
    });

    it('opens without a login form, from the path without its trailing slash, and keeps no token', async () => {
      await admin.queue.enqueue('test.echo', { value: 1 });
      const page = await browser.newPage();
      page.setDefaultTimeout(20_000);
      const errors = collectPageErrors(page);
      await page.goto(admin.api.replace(/\/api$/, '')); // http://127.0.0.1:<port>/ops/jobs
      await page.locator('[data-testid=queues] tr[data-queue=default]').waitFor();
      expect(await page.getByLabel('Admin token').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(0);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      expect(errors).toEqual([]);
    });
  },
);

suite(
  HAS_CHROMIUM ? 'dashboard of a read-only console on %s' : `dashboard read-only on %s (${NO_CHROMIUM})`,
  (kind) => {
    let admin: AdminTestApp;
    let browser: Browser;

    beforeAll(async () => {
      admin = await openAdminApp(kind, { allowUnauthenticated: true, readOnly: true });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await admin?.close();
    });

    it('says it is read-only and shows no action (pause, retry, retry all), only the data', async () => {
      const failed = await admin.queue.enqueue('test.throwString', null);
      await admin.consumer.run({ untilEmpty: true, pollIntervalMs: 20 });
      expect((await admin.queue.get(failed.id)).state).toBe(JobState.Failed);
      await admin.queue.enqueue('test.echo', { value: 1 }, { runAfter: new Date(Date.now() + 3_600_000) });
      const page = await browser.newPage();
      page.setDefaultTimeout(20_000);
      const errors = collectPageErrors(page);
      const root = admin.api.replace(/\/api$/, '/');

      await page.goto(root);
      const row = page.locator('[data-testid=queues] tr[data-queue=default]');
      await row.waitFor();
      await page.locator('[data-testid=read-only]').waitFor();
      expect(await page.getByRole('button', { name: /^(Pause|Resume)$/ }).count()).toBe(0);

      await page.goto(`${root}#/jobs/${failed.id}`);
      await page.locator('[data-testid=stack]').waitFor();
      await page.locator('[data-testid=job-detail] h1 [data-state=failed]').waitFor();
      expect(await page.getByRole('button', { name: /^(Retry|Discard|Cancel)$/ }).count()).toBe(0);

      await page.goto(`${root}#/jobs?state=failed`);
      await page.locator(`[data-testid=jobs] tr[data-job-id="${failed.id}"]`).waitFor();
      expect(await page.getByRole('button', { name: 'Retry all' }).count()).toBe(0);
      expect(errors).toEqual([]);
    });
  },
);
