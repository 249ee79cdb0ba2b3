import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NodeChild } from '../soak/node-child.js';
import { postgresCpuMs } from '../postgres-cpu.util.js';
import { withTimeout } from '../drain.util.js';
import { createOursApp, enqueueAll } from '../ours/bench.app.js';
import { perSecond, type Workload } from './workload.js';

const ENTRY = fileURLToPath(new URL('../ours/drain-process.entry.js', import.meta.url));
const PROCESS_COUNTS = [1, 2, 4] as const;

async function countUnfinished(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM queue_job WHERE state <> 'completed'`);
    return Number(rows[0]!.n);
  } finally {
    await c.end();
  }
}

/** Drains the stored no-op jobs with `processes` real consumer processes at their defaults; returns the wall time in ms. */
async function drainWithProcesses(url: string, n: number, processes: number): Promise<number> {
  const o = await createOursApp({ postgresUrl: url });
  try {
    await enqueueAll(
      o.queue,
      'bench.noop',
      Array.from({ length: n }, (_, i) => ({ i })),
    );
  } finally {
    await o.close();
  }
  const children = Array.from({ length: processes }, () => new NodeChild(ENTRY, { env: { BENCH_DATABASE_URL: url } }));
  try {
    await Promise.all(children.map((c) => c.waitFor(/READY/, 60_000)));
    const pgCpu0 = postgresCpuMs();
    // Epoch ms on both sides (one machine): each process reports when its consumer stopped. Polling
    // the database for the end instead would load the very server being measured.
    const t0 = Date.now();
    for (const c of children) c.signal('SIGUSR2');
    const summaries = await withTimeout(
      Promise.all(
        children.map(
          async (c) => JSON.parse((await c.waitFor(/SUMMARY (.*)/, 300_000))[1]!) as { cpuMs: number; endedAt: number },
        ),
      ),
      300_000,
      `${processes} consumer processes`,
    );
    const pgCpuMs = postgresCpuMs() - pgCpu0;
    for (const c of children) c.signal('SIGUSR2');
    const exits = await Promise.all(children.map((c) => c.exited));
    const bad = exits.findIndex((e) => e.code !== 0);
    const ms = Math.max(...summaries.map((s) => s.endedAt ?? NaN)) - t0;
    const cpuMs = summaries.reduce((sum, s) => sum + (s.cpuMs ?? NaN), 0);
    // Stderr, like the run's progress lines: how many cores the consumers and the server kept busy.
    process.stderr.write(
      `    ${processes} process(es): ${Math.round(ms)} ms wall; CPU: consumers ${Math.round(cpuMs)} ms (${(cpuMs / ms).toFixed(2)} cores), ` +
        `PostgreSQL ${Math.round(pgCpuMs)} ms (${(pgCpuMs / ms).toFixed(2)} cores; server-wide, other clients included; 0 when not on this machine)\n`,
    );
    if (bad >= 0)
      throw new Error(
        `consumer process ${bad + 1} of ${processes} exited ${exits[bad]!.code}: ${children[bad]!.stderr.slice(-2_000)}`,
      );
    const left = await countUnfinished(url);
    if (left !== 0) throw new Error(`${left} of ${n} jobs not completed after ${processes} consumer processes stopped`);
    return ms;
  } finally {
    await Promise.all(children.map((c) => c.kill()));
  }
}

/**
 * Ours only: the no-op drain (`noop-drain`'s jobs) with 1, 2 and 4 consumer processes on one
 * database, each a real child process with the default options. Each count gets a fresh database.
 * The curve says how far adding processes carries one PostgreSQL on this machine.
 */
export const noopDrainProcesses: Workload = {
  figures: PROCESS_COUNTS.map((k) => ({
    id: k === 1 ? 'noop-drain-processes' : `noop-drain-processes-${k}`,
    unit: 'jobs/s' as const,
    higherIsBetter: true,
    title: `no-op drain, ${k} consumer process${k > 1 ? 'es' : ''}`,
  })),
  systems: 'ours',
  measure: async (ctx) => {
    const out: Record<string, number> = {};
    for (const k of PROCESS_COUNTS) {
      const ms = await ctx.onFreshDatabase((url) => drainWithProcesses(url, ctx.args.jobs, k));
      out[k === 1 ? 'noop-drain-processes' : `noop-drain-processes-${k}`] = perSecond(ctx.args.jobs, ms);
    }
    return out;
  },
};
