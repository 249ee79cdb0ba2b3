import { html } from 'htm/preact';
import { apiGet } from './api.client.js';
import type { PipelineGraph } from './api.types.js';
import { formatTime } from './format.util.js';
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH, type Layout } from './pipeline.layout.js';
import { usePoll } from './poll.hook.js';
import { href } from './route.hook.js';
import { StateBadge } from './state-badge.view.js';

function clip(text: string, max = 22): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Each node's label: its step's name, or (a job spawned at run time) its job name. */
function labels(graph: PipelineGraph): Map<string, string> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n.name]));
  for (const [step, job] of Object.entries(graph.pipeline.steps ?? {})) byId.set(String(job.id), step);
  return byId;
}

function Graph({ graph, layout }: { graph: PipelineGraph; layout: Layout }) {
  const label = labels(graph);
  const edges = graph.edges.flatMap((e) => {
    const from = layout.nodes.get(e.from);
    const to = layout.nodes.get(e.to);
    if (!from || !to) return [];
    const x1 = from.x + NODE_WIDTH;
    const y1 = from.y + NODE_HEIGHT / 2;
    const x2 = to.x;
    const y2 = to.y + NODE_HEIGHT / 2;
    const mid = (x1 + x2) / 2;
    return [
      html`<path
        class="edge"
        d=${`M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 6},${y2}`}
        marker-end="url(#arrow)"
      />`,
    ];
  });
  const nodes = graph.nodes.map((job) => {
    const at = layout.nodes.get(job.id);
    if (!at) return null;
    const name = label.get(job.id) ?? job.name;
    return html`<a href=${href(`jobs/${job.id}`)} class=${`node state-${job.state}`} data-step=${name}>
      <title>${`${name} (${job.name}, job ${job.id}): ${job.state}`}</title>
      <rect x=${at.x} y=${at.y} width=${NODE_WIDTH} height=${NODE_HEIGHT} rx="6" />
      <text x=${at.x + 10} y=${at.y + 20} class="node-title">${clip(name)}</text>
      <text x=${at.x + 10} y=${at.y + 38} class="node-sub">${clip(`${job.state} · #${job.id}`, 26)}</text>
    </a>`;
  });
  return html`<svg
    class="graph"
    width=${layout.width}
    height=${layout.height}
    viewBox=${`0 0 ${layout.width} ${layout.height}`}
    role="img"
    aria-label="Pipeline steps and their dependencies"
  >
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="2" refY="5" markerWidth="8" markerHeight="8" orient="auto">
        <path d="M0,0 L10,5 L0,10 z" class="arrow" />
      </marker>
    </defs>
    ${edges} ${nodes}
  </svg>`;
}

/** A pipeline's steps as a graph (dependencies point right), its state and progress. */
export function PipelineView({ id }: { id: string }) {
  const { data, error, status } = usePoll(() => apiGet<PipelineGraph>(`pipelines/${encodeURIComponent(id)}`), [id]);
  if (!data) {
    return html`<div>
      <h1>Pipeline ${id}</h1>
      ${error ? html`<p class="error" role="alert">${status === 404 ? `No pipeline has id ${id}.` : error}</p>` : html`<p class="muted">Loading…</p>`}
    </div>`;
  }
  const { pipeline } = data;
  const layout = layoutGraph(
    data.nodes.map((n) => n.id),
    data.edges,
  );
  return html`<div data-testid="pipeline">
    <h1>Pipeline ${pipeline.id} <small>${pipeline.name ?? ''}</small> <${StateBadge} state=${pipeline.state} /></h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <p class="muted">
      ${pipeline.progress.done} of ${pipeline.progress.total} steps ended · created ${formatTime(pipeline.createdAt)}
    </p>
    <section class="panel scroll"><${Graph} graph=${data} layout=${layout} /></section>
  </div>`;
}
