import { html } from 'htm/preact';
import { apiGet, apiPost } from './api.client.js';
import type { QueueOverview } from './api.types.js';
import { ConfirmButton } from './confirm-button.view.js';
import { formatCount } from './format.util.js';
import { usePoll } from './poll.hook.js';
import { href } from './route.hook.js';
import { ThroughputChart } from './throughput.chart.js';

/** A count that links to the job list filtered to it (zero is shown plain). */
function CountLink({ n, queue, state }: { n: number; queue: string; state: string }) {
  if (n === 0) return html`<span class="muted">0</span>`;
  return html`<a href=${href('jobs', { queue, state })}>${formatCount(n)}</a>`;
}

function QueueRow({ q, reload }: { q: QueueOverview; reload: () => void }) {
  const path = `queues/${encodeURIComponent(q.queue)}`;
  return html`<tr data-queue=${q.queue}>
    <th scope="row"><a href=${href('jobs', { queue: q.queue })}>${q.queue}</a></th>
    <td class="num"><${CountLink} n=${q.due} queue=${q.queue} state="pending" /></td>
    <td class="num">${formatCount(q.scheduled)}</td>
    <td class="num"><${CountLink} n=${q.running} queue=${q.queue} state="running" /></td>
    <td class="num"><${CountLink} n=${q.blocked} queue=${q.queue} state="blocked" /></td>
    <td class="num"><${CountLink} n=${q.failed} queue=${q.queue} state="failed" /></td>
    <td class="num">${formatCount(q.completedLastHour)}</td>
    <td class="num">${formatCount(q.failedLastHour)}</td>
    <td>
      <span class=${`badge ${q.paused ? 'state-paused' : 'state-active'}`} data-testid="queue-status">
        ${q.paused ? 'paused' : 'active'}
      </span>
    </td>
    <td>
      ${
        q.paused
          ? html`<${ConfirmButton}
              label="Resume"
              question=${`Resume queue ${q.queue}? Consumers start claiming its jobs again.`}
              action=${() => apiPost(`${path}/resume`)}
              done=${reload}
            />`
          : html`<${ConfirmButton}
              label="Pause"
              question=${`Pause queue ${q.queue}? Consumers stop claiming its jobs; running ones finish.`}
              action=${() => apiPost(`${path}/pause`)}
              done=${reload}
              danger
            />`
      }
    </td>
  </tr>`;
}

/** Every queue with its depths, the last hour's counts, and pause or resume. */
export function QueuesView() {
  const { data, error, reload } = usePoll(
    () => apiGet<{ queues: QueueOverview[] }>('queues').then((r) => r.queues),
    [],
  );
  return html`<div>
    <h1>Queues</h1>
    <${ThroughputChart} />
    <section class="panel">
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${data && data.length === 0 && html`<p class="muted">No queue has jobs yet.</p>`}
      ${
        data &&
        data.length > 0 &&
        html`<table class="grid" data-testid="queues">
          <thead>
            <tr>
              <th>Queue</th>
              <th class="num" title="pending and due now">Due</th>
              <th class="num" title="pending, due later">Scheduled</th>
              <th class="num">Running</th>
              <th class="num" title="waiting for pipeline steps">Blocked</th>
              <th class="num">Failed</th>
              <th class="num" title="completed in the last hour">Done 1 h</th>
              <th class="num" title="failed in the last hour">Failed 1 h</th>
              <th>Status</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${data.map((q) => html`<${QueueRow} key=${q.queue} q=${q} reload=${reload} />`)}
          </tbody>
        </table>`
      }
    </section>
  </div>`;
}
