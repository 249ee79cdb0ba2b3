import { writeFile } from 'node:fs/promises';
import { round, summarize, type Summary } from './stats.util.js';
import type { Figure } from './workloads/workload.js';

export const PEERS = ['graphile-worker', 'pg-boss'] as const;

/** Everything measured for one figure: values per system, in repetition order. */
export interface Collected {
  figure: Figure;
  values: Record<string, number[]>;
  ideal?: number;
  bound?: number;
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
        ...(c.bound !== undefined ? { bound: round(c.bound) } : {}),
      };
    });
}

const cell = (s?: Summary) => (s ? `${fmt(s.median)} (${fmt(s.min)}-${fmt(s.max)})` : '-');
const fmt = (n: number) => (Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : String(round(n)));

/** The table printed on stdout: medians with min-max, and ours/peer of the medians. */
export function formatTable(results: ReturnType<typeof toResults>): string {
  const head = ['workload', 'unit', 'ours', ...PEERS, ...PEERS.map((p) => `ours/${p}`), 'ideal', 'bound'];
  const rows = results.map((r) => [
    r.workload,
    `${r.unit}${r.higherIsBetter ? ' ↑' : ' ↓'}`,
    cell(r.ours),
    ...PEERS.map((p) => cell(r.peers[p])),
    ...PEERS.map((p) => (r.peers[p] ? `${(r.ours.median / r.peers[p]!.median).toFixed(2)}x` : '-')),
    r.ideal !== undefined ? fmt(r.ideal) : '-',
    r.bound !== undefined ? fmt(r.bound) : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export async function writeJson(
  file: string,
  results: ReturnType<typeof toResults>,
  context: Record<string, unknown>,
): Promise<void> {
  await writeFile(file, `${JSON.stringify({ results, ...context }, null, 2)}\n`);
}

/**
 * The ratios issue 15 sets targets on, from the medians of this run (a line only when both of its
 * figures were measured): ours against the plain-SQL floors and against graphile-worker.
 */
export function formatRatios(results: ReturnType<typeof toResults>): string {
  const ours = (id: string) => results.find((r) => r.workload === id)?.ours.median;
  const peer = (id: string, p: (typeof PEERS)[number]) => results.find((r) => r.workload === id)?.peers[p]?.median;
  const lines: [string, number | undefined, number | undefined, string][] = [
    [
      'no-op drain / plain SQL floor (noop-drain / pg-limit-drain)',
      ours('noop-drain'),
      ours('pg-limit-drain'),
      'target >= 0.7',
    ],
    [
      'bulk enqueue / plain SQL floor (bulk-enqueue / pg-limit-insert)',
      ours('bulk-enqueue'),
      ours('pg-limit-insert'),
      'target >= 0.8',
    ],
    ['no-op drain / graphile-worker tuned', ours('noop-drain'), peer('noop-drain', 'graphile-worker'), 'target >= 1.5'],
    ['latency p50 / graphile-worker', ours('latency-p50'), peer('latency-p50', 'graphile-worker'), 'target <= 0.9'],
    ['latency p99 / graphile-worker', ours('latency-p99'), peer('latency-p99', 'graphile-worker'), 'target <= 1.0'],
  ];
  const sleep = results.find((r) => r.workload === 'sleep-10-100ms-c500');
  return [
    ...lines
      .filter(([, a, b]) => a !== undefined && b !== undefined)
      .map(([what, a, b, target]) => `${what}: ${(a! / b!).toFixed(2)} (${target})`),
    ...(sleep?.bound
      ? [`sleep c500 / greedy bound: ${(sleep.ours.median / sleep.bound).toFixed(3)} (target <= 1.02)`]
      : []),
  ].join('\n');
}
