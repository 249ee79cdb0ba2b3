/** Command-line options of `npm run bench`. */
export interface BenchArgs {
  /** Jobs per throughput workload. @default 20000 (2000 with --quick) */
  jobs: number;
  /** Repetitions per system and workload. @default 3 (1 with --quick) */
  reps: number;
  /**
   * Unmeasured runs per system before the repetitions of a workload that asks for them
   * (`Workload.warmUp`). @default 1 (0 with --quick)
   */
  warmup: number;
  quick: boolean;
  /** Write the results as JSON here. */
  json?: string;
  /** Only these workload ids (comma-separated `--only`). */
  only?: string[];
  /** Only these systems (comma-separated `--systems ours,pg-boss`). */
  systems?: string[];
}

const USAGE =
  'npm run bench -- [--quick] [--jobs N] [--reps N] [--warmup N] [--json FILE] [--only bulk-enqueue,noop-drain,...] [--systems ours,graphile-worker,pg-boss]';

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: Partial<BenchArgs> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value. Usage: ${USAGE}`);
      return v;
    };
    const int = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number >= 1. Usage: ${USAGE}`);
      return n;
    };
    if (flag === '--') continue;
    else if (flag === '--quick') args.quick = true;
    else if (flag === '--jobs') args.jobs = int();
    else if (flag === '--reps') args.reps = int();
    else if (flag === '--warmup') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number >= 0. Usage: ${USAGE}`);
      args.warmup = n;
    } else if (flag === '--json') args.json = value();
    else if (flag === '--only')
      args.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else if (flag === '--systems')
      args.systems = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    else throw new Error(`Unknown flag '${flag}'. Usage: ${USAGE}`);
  }
  const quick = args.quick ?? false;
  return {
    quick,
    jobs: args.jobs ?? (quick ? 2_000 : 20_000),
    reps: args.reps ?? (quick ? 1 : 3),
    warmup: args.warmup ?? (quick ? 0 : 1),
    json: args.json,
    only: args.only,
    systems: args.systems,
  };
}
