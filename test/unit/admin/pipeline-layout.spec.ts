import { layoutGraph, NODE_WIDTH } from '../../../lib/admin/dashboard/ui/pipeline.layout.js';

describe("the pipeline graph's layout", () => {
  it('puts each step one column after its latest dependency, so every edge points right', () => {
    const edges = [
      { from: '1', to: '2' },
      { from: '2', to: '3' },
      { from: '2', to: '4' },
      { from: '3', to: '5' },
      { from: '4', to: '5' },
      { from: '1', to: '5' },
    ];
    const { nodes, width } = layoutGraph(['1', '2', '3', '4', '5'], edges);
    expect([...nodes.values()].map((n) => [n.id, n.column, n.row])).toEqual([
      ['1', 0, 0],
      ['2', 1, 0],
      ['3', 2, 0],
      ['4', 2, 1],
      ['5', 3, 0],
    ]);
    for (const e of edges) expect(nodes.get(e.from)!.x + NODE_WIDTH).toBeLessThan(nodes.get(e.to)!.x);
    expect(width).toBeGreaterThanOrEqual(nodes.get('5')!.x + NODE_WIDTH);
  });

  it('centres a short column on the tallest: a fan-in sits between its dependencies', () => {
    const { nodes } = layoutGraph(
      ['1', '2', '3', '4'],
      [
        { from: '1', to: '3' },
        { from: '2', to: '3' },
        { from: '3', to: '4' },
      ],
    );
    const [a, b, c] = ['1', '2', '3'].map((id) => nodes.get(id)!);
    expect(c.y).toBe((a.y + b.y) / 2);
  });

  it('ignores edges to steps it was not given and does not hang on a cycle', () => {
    const { nodes } = layoutGraph(
      ['1', '2'],
      [
        { from: '9', to: '1' },
        { from: '1', to: '2' },
        { from: '2', to: '1' },
      ],
    );
    expect(nodes.size).toBe(2);
  });
});
