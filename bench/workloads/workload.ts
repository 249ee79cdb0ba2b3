import type { BenchArgs } from '../bench.args.js';
import type { BenchPostgres } from '../postgres.server.js';
import type { QueueSystem } from '../adapters/queue-system.js';

/** One figure a workload produces (a workload may produce several from one run, e.g. p50 and p99). */
export interface Figure {
  id: string;
  unit: 'jobs/s' | 'ms' | 'ratio' | 'MB';
  higherIsBetter: boolean;
  title: string;
}

export interface BenchContext {
  args: BenchArgs;
  pg: BenchPostgres;
  /** Runs `fn` on a fresh database and drops it afterwards. */
  onFreshDatabase<T>(fn: (url: string) => Promise<T>): Promise<T>;
}

export interface Workload {
  figures: Figure[];
  /** 'all': ours and the peers, alternating; 'ours': this library only (or plain SQL). */
  systems: 'all' | 'ours';
  /** The best possible value, when there is one (shown beside the figures). */
  ideal?(ctx: BenchContext): number;
  /** A lower bound tighter than `ideal` that no system of its kind can beat (shown beside it). */
  bound?(ctx: BenchContext): number;
  /**
   * Run each system `--warmup` times (default 1), unmeasured, before the repetitions. For the
   * throughput workloads: their figures are steady-state rates, and a first repetition in a fresh
   * bench process otherwise measures the JIT compiling the code under test (ours' bulk enqueue went
   * 158,366 / 192,816 / 211,366 jobs/s over three repetitions in 2026-12-01-fourth).
   */
  warmUp?: boolean;
  /**
   * The plain-SQL floor of this workload's figure: measured as one more participant of each
   * repetition's rotation (as `plain-sql`, so `--systems` can leave it out), its value recorded
   * under `ours` for the figure `id` (one of `figures`).
   */
  floor?: { id: string; measure(ctx: BenchContext): Promise<number> };
  /** One repetition for one system: a value per figure id (but the floor's). `system` is undefined for ours-only workloads. */
  measure(ctx: BenchContext, system: QueueSystem): Promise<Record<string, number>>;
}

export const perSecond = (n: number, ms: number) => (n * 1000) / ms;
