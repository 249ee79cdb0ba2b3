/**
 * A layered layout for a pipeline's steps: a step's column is the length of the longest chain of
 * dependencies before it, so every edge points right; steps in one column are stacked in id order.
 * Pipelines are small (tens of steps), so this plain pass is enough; a cycle cannot occur (the
 * library refuses one at enqueue) but would not hang it either.
 */
export interface LaidOutNode {
  id: string;
  column: number;
  row: number;
  x: number;
  y: number;
}

export interface Layout {
  nodes: Map<string, LaidOutNode>;
  width: number;
  height: number;
}

export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 48;
const GAP_X = 70;
const GAP_Y = 22;
const MARGIN = 16;

export function layoutGraph(ids: string[], edges: { from: string; to: string }[]): Layout {
  const before = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const edge of edges) before.get(edge.to)?.push(edge.from);

  const column = new Map<string, number>();
  const depth = (id: string, seen: Set<string>): number => {
    const known = column.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const parents = (before.get(id) ?? []).filter((p) => before.has(p));
    const value = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((p) => depth(p, seen)));
    column.set(id, value);
    return value;
  };

  const columns: string[][] = [];
  const byId = [...ids].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  for (const id of byId) (columns[depth(id, new Set())] ??= []).push(id);

  // Shorter columns are centred on the tallest, so a fan-out and its fan-in line up.
  const tallest = Math.max(1, ...columns.map((m) => m.length));
  const nodes = new Map<string, LaidOutNode>();
  columns.forEach((members, c) => {
    const offset = ((tallest - members.length) * (NODE_HEIGHT + GAP_Y)) / 2;
    members.forEach((id, r) =>
      nodes.set(id, {
        id,
        column: c,
        row: r,
        x: MARGIN + c * (NODE_WIDTH + GAP_X),
        y: MARGIN + offset + r * (NODE_HEIGHT + GAP_Y),
      }),
    );
  });
  return {
    nodes,
    width: 2 * MARGIN + columns.length * NODE_WIDTH + Math.max(0, columns.length - 1) * GAP_X,
    height: 2 * MARGIN + tallest * NODE_HEIGHT + (tallest - 1) * GAP_Y,
  };
}
