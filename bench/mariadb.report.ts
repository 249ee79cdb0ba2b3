import { round } from './stats.util.js';
import type { toResults } from './report.js';

/**
 * Each MariaDB figure's PostgreSQL sibling, measured the same way (ours; the floors with the same
 * table and statements). `--only` naming a MariaDB figure measures its sibling too, for this library
 * only, so that the two print side by side.
 */
export const POSTGRES_SIBLINGS: Readonly<Record<string, string>> = {
  'mariadb-noop-drain': 'noop-drain',
  'mariadb-latency-p50': 'latency-p50',
  'mariadb-latency-p99': 'latency-p99',
  'mariadb-limit-insert': 'pg-limit-insert',
  'mariadb-limit-drain': 'pg-limit-drain',
};

/** The PostgreSQL siblings of the MariaDB figures in `only` that `only` does not name itself. */
export function siblingsToMeasure(only: readonly string[] | undefined): Set<string> {
  const siblings = (only ?? []).map((id) => POSTGRES_SIBLINGS[id]).filter((id): id is string => !!id);
  return new Set(siblings.filter((id) => !only!.includes(id)));
}

const LINES: [what: string, mariadb: string, postgres: string][] = [
  ['no-op drain (jobs/s)', 'mariadb-noop-drain', 'noop-drain'],
  ['plain SQL drain floor (jobs/s)', 'mariadb-limit-drain', 'pg-limit-drain'],
  ['plain SQL insert floor (jobs/s)', 'mariadb-limit-insert', 'pg-limit-insert'],
  ['enqueue-to-start latency p50 (ms)', 'mariadb-latency-p50', 'latency-p50'],
  ['enqueue-to-start latency p99 (ms)', 'mariadb-latency-p99', 'latency-p99'],
];

/** MariaDB beside PostgreSQL (this library's medians), and each database's drain over its own floor. */
export function formatMariadbBeside(results: ReturnType<typeof toResults>): string {
  const ours = (id: string) => results.find((r) => r.workload === id)?.ours.median;
  const fmt = (n: number | undefined) =>
    n === undefined ? '-' : Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : String(round(n));
  const rows = LINES.filter(([, m]) => ours(m) !== undefined).map(
    ([what, m, p]) => `  ${what}: MariaDB ${fmt(ours(m))}, PostgreSQL ${fmt(ours(p))}`,
  );
  if (!rows.length) return '';
  const toFloor = (drain: string, floor: string) => {
    const [d, f] = [ours(drain), ours(floor)];
    return d !== undefined && f !== undefined ? (d / f).toFixed(2) : '-';
  };
  rows.push(
    `  no-op drain / its plain SQL drain floor: MariaDB ${toFloor('mariadb-noop-drain', 'mariadb-limit-drain')}, PostgreSQL ${toFloor('noop-drain', 'pg-limit-drain')}`,
  );
  return ['MariaDB beside PostgreSQL (this library, medians):', ...rows].join('\n');
}
