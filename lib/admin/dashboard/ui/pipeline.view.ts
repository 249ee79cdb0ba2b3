import { html } from 'htm/preact';
import { apiGet } from './api.client.js';
import type { PipelineGraph } from './api.types.js';
import { formatTime } from './format.util.js';
import { PipelineGraphSvg } from './pipeline-graph.view.js';
import { usePoll } from './poll.hook.js';
import { StateBadge } from './state-badge.view.js';

/** A pipeline's state, progress and its steps as a graph. */
export function PipelineView({ id }: { id: string }) {
  const { data, error, status } = usePoll(() => apiGet<PipelineGraph>(`pipelines/${encodeURIComponent(id)}`), [id]);
  if (!data) {
    const message = status === 404 ? `No pipeline has id ${id}.` : error;
    return html`<div>
      <h1>Pipeline ${id}</h1>
      ${message ? html`<p class="error" role="alert">${message}</p>` : html`<p class="muted">Loading…</p>`}
    </div>`;
  }
  const { pipeline } = data;
  return html`<div data-testid="pipeline">
    <h1>Pipeline ${pipeline.id} <small>${pipeline.name ?? ''}</small> <${StateBadge} state=${pipeline.state} /></h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <p class="muted">
      ${pipeline.progress.done} of ${pipeline.progress.total} steps ended · created ${formatTime(pipeline.createdAt)}
    </p>
    <section class="panel scroll"><${PipelineGraphSvg} graph=${data} /></section>
    <p class="muted small">An arrow points from a step to one that waits for it; a dashed one to a step it spawned.</p>
  </div>`;
}
