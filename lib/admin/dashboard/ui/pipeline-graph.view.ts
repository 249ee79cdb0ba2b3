import { html } from 'htm/preact';
import type { PipelineGraph } from './api.types.js';
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH } from './pipeline.layout.js';
import { href } from './route.hook.js';

export interface GraphEdge {
  from: string;
  to: string;
  /** The `to` job was spawned by `from` at run time (no dependency, a parent). */
  spawn?: boolean;
}

function clip(text: string, max = 22): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Each node's label: its step's name (spawned steps too), else its job name. */
function labels(graph: PipelineGraph): Map<string, string> {
  const byId = new Map(graph.nodes.map((n) => [n.id, n.name]));
  for (const [step, job] of Object.entries(graph.pipeline.steps ?? {})) byId.set(String(job.id), step);
  return byId;
}

/**
 * The dependency edges, plus one from each spawned step to the step that spawned it: a fan-out has
 * no dependency on its spawner, only a parent, and would otherwise sit in the first column.
 */
export function graphEdges(graph: PipelineGraph): GraphEdge[] {
  const ids = new Set(graph.nodes.map((n) => n.id));
  const spawned = Object.values(graph.pipeline.steps ?? {}).flatMap((job) =>
    job.parentId && ids.has(String(job.parentId))
      ? [{ from: String(job.parentId), to: String(job.id), spawn: true }]
      : [],
  );
  return [...graph.edges, ...spawned];
}

/** The steps as boxes in layers (pipeline.layout.ts), dependencies as arrows, spawns dashed; a box links to its job. */
export function PipelineGraphSvg({ graph }: { graph: PipelineGraph }) {
  const edges = graphEdges(graph);
  const layout = layoutGraph(
    graph.nodes.map((n) => n.id),
    edges,
  );
  const label = labels(graph);
  const paths = edges.flatMap((e) => {
    const from = layout.nodes.get(e.from);
    const to = layout.nodes.get(e.to);
    if (!from || !to) return [];
    const [x1, y1] = [from.x + NODE_WIDTH, from.y + NODE_HEIGHT / 2];
    const [x2, y2] = [to.x, to.y + NODE_HEIGHT / 2];
    const mid = (x1 + x2) / 2;
    const d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 6},${y2}`;
    return [html`<path class=${e.spawn ? 'edge spawn' : 'edge'} d=${d} marker-end="url(#arrow)" />`];
  });
  const boxes = graph.nodes.map((job) => {
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
    ${paths} ${boxes}
  </svg>`;
}
