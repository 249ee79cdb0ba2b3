import { writeFile } from 'node:fs/promises';
import { round, summarize, type Summary } from './stats.util.js';
import type { Figure } from './workloads/workload.js';

export const PEERS = ['graphile-worker', 'pg-boss'] as const;

/** Everything measured for one figure: values per system, in repetition order. */
export interface Collected {
  figure: Figure;
  values: Record<string, number[]>;
  ideal?: number;
}

/** The JSON shape of issue 5, one entry per figure. */
export function toResults(collected: readonly Collected[]) {
  return collected
    .filter((c) => c.values.ours?.length)
    .map((c) => {
      const peers: Record<string, Summary> = {};
      for (const p of PEERS) if (c.values[p]?.length) peers[p] = summarize(c.values[p]!);
      return {
        workload: c.figure.id,
        unit: c.figure.unit,
        higherIsBetter: c.figure.higherIsBetter,
        ours: summarize(c.values.ours!),
        peers,
        ...(c.ideal !== undefined ? { ideal: round(c.ideal) } : {}),
      };
    });
}

const cell = (s?: Summary) => (s ? `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})` : '-');
const fmt = (n: number) => (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : String(round(n)));

/** The table printed on stdout: medians with min-max, and ours/peer of the medians. */
export function formatTable(results: ReturnType<typeof toResults>): string {
  const head = ['workload', 'unit', 'ours', ...PEERS, ...PEERS.map((p) => `ours/${p}`), 'ideal'];
  const rows = results.map((r) => [
    r.workload,
    `${r.unit}${r.higherIsBetter ? ' ↑' : ' ↓'}`,
    cell(r.ours),
    ...PEERS.map((p) => cell(r.peers[p])),
    ...PEERS.map((p) => (r.peers[p] ? `${(r.ours.median / r.peers[p]!.median).toFixed(2)}x` : '-')),
    r.ideal !== undefined ? fmt(r.ideal) : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export async function writeJson(file: string, results: ReturnType<typeof toResults>, context: Record<string, unknown>): Promise<void> {
  await writeFile(file, `${JSON.stringify({ results, ...context }, null, 2)}\n`);
}
