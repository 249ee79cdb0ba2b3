import pg from 'pg';

/** Counts handler calls and resolves when `target` were seen. */
export class Countdown {
  seen = 0;
  private resolve!: () => void;
  readonly done: Promise<void>;

  constructor(private readonly target: number) {
    this.done = new Promise((r) => (this.resolve = r));
    if (target === 0) this.resolve();
  }

  hit(n = 1): void {
    this.seen += n;
    if (this.seen >= this.target) this.resolve();
  }
}

/**
 * Polls `sql` (which returns one row with a number `n`) until `n` is 0: used once every handler
 * ran, so a run counts as done only when the database says so (completions written).
 */
export async function waitUntilZero(url: string, sql: string, timeoutMs = 120_000): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await c.query<{ n: string }>(sql);
      if (Number(rows[0]!.n) === 0) return;
      if (Date.now() > until) throw new Error(`still ${rows[0]!.n} jobs unfinished after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    await c.end();
  }
}

/** Rejects after `ms` with `what` in the message, so one stuck system does not hang the suite. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)),
    ),
  ]);
}

/** Sleep durations of the `sleep-10-100ms` workload: deterministic, spread over 10..100 ms. */
export function sleepDurations(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 10 + ((i * 37) % 91));
}
