import { html } from 'htm/preact';
import { apiGet, apiPost } from './api.client.js';
import type { JobPage, JobSummary } from './api.types.js';
import { ConfirmButton } from './confirm-button.view.js';
import { formatTime, runTime } from './format.util.js';
import { JobFilters, type JobFilter } from './job-filters.view.js';
import { usePoll } from './poll.hook.js';
import { href, navigate, type Route } from './route.hook.js';
import { StateBadge } from './state-badge.view.js';

/** Rows per page: one page is all the dashboard ever loads, however large the table. */
export const PAGE_SIZE = 50;

/** On the failed jobs: retry every one the name and queue filters match (`POST api/jobs/retry`), not only this page. */
function RetryAll({ filter, done }: { filter: JobFilter; done: () => void }) {
  const which = [filter.name && `named ${filter.name}`, filter.queue && `in queue ${filter.queue}`].filter(Boolean);
  return html`<${ConfirmButton}
    label="Retry all"
    question=${`Retry every failed job${which.length ? ` ${which.join(' ')}` : ''}, on every page?`}
    action=${() =>
      apiPost('jobs/retry', { state: 'failed', name: filter.name || undefined, queue: filter.queue || undefined })}
    done=${done}
  />`;
}

function JobRow({ job }: { job: JobSummary }) {
  return html`<tr data-job-id=${job.id}>
    <td class="num"><a href=${href(`jobs/${job.id}`)}>${job.id}</a></td>
    <td>${job.name}</td>
    <td>${job.queue}</td>
    <td><${StateBadge} state=${job.state} /></td>
    <td class="num">${job.attempts}/${job.maxAttempts}</td>
    <td>${formatTime(job.createdAt)}</td>
    <td>${runTime(job.startedAt, job.finishedAt)}</td>
    <td class="clip" title=${job.errorMessage ?? ''}>${job.errorMessage ?? ''}</td>
  </tr>`;
}

/**
 * Jobs newest first, filtered by state, name and queue, one page at a time. Paging is by keyset
 * (`after` = the last id of the page before), so "next page" costs the same on page 1 and page
 * 20,000; the cursor sits in the URL, so the browser's back button is "previous page".
 */
export function JobsView({ route }: { route: Route }) {
  const filter: JobFilter = {
    state: route.query.get('state') ?? '',
    name: route.query.get('name') ?? '',
    queue: route.query.get('queue') ?? '',
  };
  const after = route.query.get('after') ?? '';
  const { data, error, reload } = usePoll(
    () => apiGet<JobPage>('jobs', { ...filter, after, limit: PAGE_SIZE }),
    [filter.state, filter.name, filter.queue, after],
  );

  return html`<div>
    <h1>Jobs</h1>
    <${JobFilters} filter=${filter} apply=${(f: JobFilter) => navigate('jobs', { ...f })} />
    ${
      filter.state === 'failed' &&
      data &&
      data.jobs.length > 0 &&
      html`<div class="actions"><${RetryAll} filter=${filter} done=${reload} /></div>`
    }
    <section class="panel">
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${data && data.jobs.length === 0 && html`<p class="muted">No jobs match.</p>`}
      ${
        data &&
        data.jobs.length > 0 &&
        html`<table class="grid" data-testid="jobs">
          <thead>
            <tr>
              <th class="num">Id</th>
              <th>Name</th>
              <th>Queue</th>
              <th>State</th>
              <th class="num">Attempts</th>
              <th>Created</th>
              <th>Ran</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            ${data.jobs.map((job) => html`<${JobRow} key=${job.id} job=${job} />`)}
          </tbody>
        </table>`
      }
      <nav class="pager" aria-label="Pages">
        ${after && html`<a href=${href('jobs', { ...filter })}>Newest</a>`}
        ${data?.next && html`<a href=${href('jobs', { ...filter, after: data.next })} rel="next">Next page</a>`}
      </nav>
    </section>
  </div>`;
}
