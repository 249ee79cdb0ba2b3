/**
 * `npm run bench -- [--quick] [--jobs N] [--reps N] [--warmup N] [--json FILE] [--only id,id]`: the workloads of
 * issue 5 for this library, graphile-worker and pg-boss on one PostgreSQL (DATABASE_URL, else an
 * embedded one), alternating systems, repeated, printed as medians with min-max; this library alone
 * on SQLite and on MariaDB (MARIADB_URL, default 127.0.0.1:3306). `--only` naming a MariaDB figure
 * measures its PostgreSQL sibling too (this library only; bench/mariadb.report.ts), and the two are
 * printed side by side after the table. Not part of `npm test`.
 */
import 'reflect-metadata';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseBenchArgs } from './bench.args.js';
import { startBenchPostgres } from './postgres.server.js';
import type { QueueSystem } from './adapters/queue-system.js';
import { ours } from './adapters/ours.adapter.js';
import { graphileWorker } from './adapters/graphile-worker.adapter.js';
import { pgBoss } from './adapters/pg-boss.adapter.js';
import type { BenchContext, Workload } from './workloads/workload.js';
import { bulkEnqueue, noopDrain, noopDrainDefault } from './workloads/throughput.workload.js';
import { sleepJobs } from './workloads/sleep.workload.js';
import { latency } from './workloads/latency.workload.js';
import { largeTable } from './workloads/large-table.workload.js';
import { sqliteDrain } from './workloads/sqlite.workload.js';
import { mariadbDrain, mariadbLatency } from './workloads/mariadb.workload.js';
import { mariadbFloors } from './workloads/mariadb-floor.workload.js';
import { consumerRss } from './workloads/rss.workload.js';
import { pgLimit, pgLimitNotes } from './workloads/pg-limit.workload.js';
import { threadCpu } from './workloads/thread-cpu.workload.js';
import { noopDrainProcesses } from './workloads/processes.workload.js';
import { pipelineSteps } from './workloads/pipeline.workload.js';
import { retentionDrain } from './workloads/retention.workload.js';
import { adminList } from './workloads/admin-list.workload.js';
import { formatRatios, formatTable, toResults, writeJson, type Collected } from './report.js';
import { formatMariadbBeside, siblingsToMeasure } from './mariadb.report.js';

const WORKLOADS: Workload[] = [
  bulkEnqueue,
  noopDrain,
  noopDrainDefault,
  sleepJobs,
  latency,
  largeTable,
  sqliteDrain,
  consumerRss,
  pgLimit,
  pipelineSteps,
  threadCpu,
  noopDrainProcesses,
  mariadbDrain,
  mariadbLatency,
  mariadbFloors,
  retentionDrain,
  adminList,
];
const SYSTEMS: QueueSystem[] = [ours, graphileWorker, pgBoss];
/** The id under which a workload's plain-SQL floor takes part (`Workload.floor`; `--systems` can name it). */
const PLAIN_SQL = 'plain-sql';

/**
 * A full collection before each measured run (when node runs with --expose-gc, as `npm run bench`
 * does), so no run pays for the garbage of the one before it in this process.
 */
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

interface Participant {
  id: string;
  /** Whose values the figures it measures are kept as. */
  recordAs: string;
  measure(): Promise<Record<string, number>>;
}

// Dropping a measured database terminates any connection a library left open (57P01); a pool
// without an error listener would otherwise take the whole run down with it.
process.on('uncaughtException', (err) => {
  if ((err as { code?: string }).code === '57P01') return;
  console.error(err);
  process.exit(1);
});
const args = parseBenchArgs(process.argv.slice(2));
const pg = await startBenchPostgres();
const ctx: BenchContext = {
  args,
  pg,
  async onFreshDatabase(fn) {
    const db = await pg.createDatabase();
    try {
      return await fn(db.url);
    } finally {
      await db.drop();
    }
  },
};
const log = (m: string) => process.stderr.write(`${m}\n`);
log(
  `bench: ${args.jobs} jobs, ${args.reps} repetition(s), ${pg.description}, ${cpus().length} cores, node ${process.version}`,
);

const siblings = siblingsToMeasure(args.only);
const collected: Collected[] = [];
const started = performance.now();
try {
  for (const w of WORKLOADS) {
    const named = !args.only || w.figures.some((f) => args.only!.includes(f.id));
    // Measured only as the PostgreSQL sibling of a MariaDB figure: this library alone.
    const sibling = !named && w.figures.some((f) => siblings.has(f.id));
    if (!named && !sibling) continue;
    const entries = w.figures.map((figure): Collected => ({
      figure,
      values: {},
      ideal: w.ideal?.(ctx),
      bound: w.bound?.(ctx),
    }));
    collected.push(...entries);
    const systems = (w.systems === 'all' && !sibling ? SYSTEMS : [ours]).filter(
      (s) => !args.systems || args.systems.includes(s.id),
    );
    // Who takes part in each repetition: the systems, and the workload's plain-SQL floor (its
    // value kept under `ours`, as the ours-only figures are).
    const participants: Participant[] = systems.map((s) => ({
      id: s.id,
      recordAs: s.id,
      measure: () => w.measure(ctx, s),
    }));
    const floor = w.floor;
    if (floor && (!args.systems || args.systems.includes(PLAIN_SQL)))
      participants.push({
        id: PLAIN_SQL,
        recordAs: 'ours',
        measure: async () => ({ [floor.id]: await floor.measure(ctx) }),
      });
    const label = (values: Record<string, number>) =>
      w.figures
        .filter((f) => values[f.id] !== undefined)
        .map((f) => `${f.id} ${values[f.id]!.toFixed(1)} ${f.unit}`)
        .join(', ');
    /** One run of `p` after a full collection: its values, or undefined when it failed (logged). */
    const runOnce = async (p: Participant, what: string) => {
      collectGarbage();
      const t0 = performance.now();
      try {
        const values = await p.measure();
        log(`  ${what} ${p.id}: ${label(values)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        return values;
      } catch (err) {
        log(`  ${w.figures[0]!.id} ${what} ${p.id}: FAILED ${(err as Error).stack ?? err}`);
        return undefined;
      }
    };
    for (let i = 0; w.warmUp && i < args.warmup; i++) {
      for (const p of participants) await runOnce(p, 'warm-up (not counted)');
    }
    for (let rep = 0; rep < args.reps; rep++) {
      // Alternate, and rotate who goes first, so drift in the machine spreads over everyone.
      const order = participants.map((_, i) => participants[(i + rep) % participants.length]!);
      for (const p of order) {
        const values = await runOnce(p, `rep ${rep + 1}`);
        for (const e of entries) {
          const v = values?.[e.figure.id];
          if (v !== undefined) (e.values[p.recordAs] ??= []).push(v);
        }
      }
    }
  }
} finally {
  await pg.stop();
}

const results = toResults(collected);
console.log(`\n${formatTable(results)}\n`);
const ratios = formatRatios(results);
if (ratios) console.log(`${ratios}\n`);
const mariadb = formatMariadbBeside(results);
if (mariadb) console.log(`${mariadb}\n`);
const settings = Object.fromEntries(SYSTEMS.map((s) => [s.id, s.settings]));
const context = {
  jobs: args.jobs,
  repetitions: args.reps,
  // Unmeasured runs per system before the repetitions of these figures (Workload.warmUp).
  warmUp: { runs: args.warmup, figures: WORKLOADS.filter((w) => w.warmUp).flatMap((w) => w.figures.map((f) => f.id)) },
  database: pg.description,
  machine: { cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  settings,
  notes: {
    'pg-limit insert (jobs/s, one unnest INSERT)': pgLimitNotes.insertJobsPerSec
      ? Math.round(pgLimitNotes.insertJobsPerSec)
      : undefined,
  },
  durationSeconds: Math.round((performance.now() - started) / 1000),
};
console.log(`settings: ${JSON.stringify(settings)}`);
if (pgLimitNotes.insertJobsPerSec)
  console.log(
    `pg-limit insert floor: ${Math.round(pgLimitNotes.insertJobsPerSec).toLocaleString('en-US')} jobs/s (one unnest INSERT)`,
  );
if (args.json) {
  await writeJson(args.json, results, context);
  console.log(`wrote ${args.json}`);
}
process.exit(0);
