import { html } from 'htm/preact';
import { apiGet } from './api.client.js';
import type { JobRecord } from './api.types.js';
import { AttemptLog } from './attempt-log.view.js';
import { formatDuration, formatJson, formatTime, runTime } from './format.util.js';
import { JobActions } from './job-actions.view.js';
import { usePoll } from './poll.hook.js';
import { href } from './route.hook.js';
import { StateBadge } from './state-badge.view.js';

function Facts({ job }: { job: JobRecord }) {
  const rows: [string, unknown][] = [
    ['Queue', html`<a href=${href('jobs', { queue: job.queue })}>${job.queue}</a>`],
    ['Priority', job.priority],
    ['Attempts', `${job.attempts} of ${job.maxAttempts}`],
    ['Created', formatTime(job.createdAt)],
    ['Runs after', formatTime(job.runAfter)],
    ['Started', formatTime(job.startedAt)],
    ['Finished', formatTime(job.finishedAt)],
    ['Ran', runTime(job.startedAt, job.finishedAt)],
    ['Timeout', job.timeoutMs === null ? '—' : formatDuration(job.timeoutMs)],
  ];
  if (job.pipelineId) {
    const label = job.step ? `${job.pipelineId} (step ${job.step})` : job.pipelineId;
    rows.push(['Pipeline', html`<a href=${href(`pipelines/${job.pipelineId}`)}>${label}</a>`]);
  }
  if (job.parentId) rows.push(['Spawned by', html`<a href=${href(`jobs/${job.parentId}`)}>${job.parentId}</a>`]);
  if (job.uniqueKey) rows.push(['Unique key', job.uniqueKey]);
  if (job.concurrencyKey) rows.push(['Concurrency key', job.concurrencyKey]);
  return html`<dl class="facts">
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}

function JobError({ job }: { job: JobRecord }) {
  if (!job.error) return null;
  return html`<section class="panel" data-testid="job-error">
    <h2>Error</h2>
    <p class="error"><strong>${job.error.name}</strong>: ${job.error.message}</p>
    ${job.error.stack && html`<pre class="stack" data-testid="stack">${job.error.stack}</pre>`}
  </section>`;
}

/** One job: what it was given, what it returned or how it failed, every attempt, and its actions. */
export function JobDetailView({ id }: { id: string }) {
  const { data: job, error, status, reload } = usePoll(() => apiGet<JobRecord>(`jobs/${encodeURIComponent(id)}`), [id]);
  if (!job) {
    return html`<div>
      <h1>Job ${id}</h1>
      ${error ? html`<p class="error" role="alert">${status === 404 ? `No job has id ${id}.` : error}</p>` : html`<p class="muted">Loading…</p>`}
    </div>`;
  }
  return html`<div data-testid="job-detail">
    <h1>Job ${job.id} <small>${job.name}</small> <${StateBadge} state=${job.state} /></h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <${JobActions} job=${job} done=${reload} />
    <section class="panel"><${Facts} job=${job} /></section>
    ${
      job.progress &&
      html`<section class="panel" data-testid="progress">
        <h2>Progress</h2>
        <p>${job.progress.message}</p>
        ${job.progress.details !== undefined && html`<pre>${formatJson(job.progress.details)}</pre>`}
      </section>`
    }
    <${JobError} job=${job} />
    <section class="panel two">
      <div>
        <h2>Input</h2>
        <pre data-testid="input">${formatJson(job.input)}</pre>
      </div>
      <div>
        <h2>Output</h2>
        <pre data-testid="output">${formatJson(job.output)}</pre>
      </div>
    </section>
    <section class="panel">
      <h2>Attempt log</h2>
      <${AttemptLog} attempts=${job.attemptLog} />
    </section>
  </div>`;
}
