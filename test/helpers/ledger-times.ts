import type { MikroORM } from '@mikro-orm/core';

/** One run of a job as the ledger saw it: when its handler started and finished (ms since epoch). */
export interface LedgerRun {
  jobId: string;
  consumer: string;
  start: number;
  finish: number;
}

/** A ledger time as the driver returns it (a Date, epoch milliseconds, or date text). */
function ms(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  return typeof value === 'string' && !/^\d+$/.test(value) ? new Date(value).getTime() : Number(value);
}

/** The ledger's runs that finished (`started`: that started), with their start and finish times. */
export async function ledgerRuns(orm: MikroORM<any, any, any>, started = false): Promise<LedgerRun[]> {
  const rows: {
    job_id: unknown;
    attempt: unknown;
    consumer: string;
    event: string;
    at: unknown;
  }[] = await orm.em
    .getConnection()
    .execute('SELECT job_id, attempt, consumer, event, at FROM test_ledger ORDER BY id');
  const runs = new Map<string, Partial<LedgerRun>>();
  for (const r of rows) {
    const key = `${r.job_id}:${r.attempt}`;
    const run = runs.get(key) ?? {
      jobId: String(r.job_id),
      consumer: r.consumer,
    };
    if (r.event === 'start') run.start = ms(r.at);
    if (r.event === 'finish') run.finish = ms(r.at);
    runs.set(key, run);
  }
  return [...runs.values()].filter((r): r is LedgerRun => r.start !== undefined && (started || r.finish !== undefined));
}

/** Pairs of runs that overlap in time (each run's [start, finish]). */
export function overlaps(runs: readonly LedgerRun[]): [LedgerRun, LedgerRun][] {
  const sorted = [...runs].sort((a, b) => a.start - b.start);
  const out: [LedgerRun, LedgerRun][] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j]!.start < sorted[i]!.finish; j++)
      out.push([sorted[i]!, sorted[j]!]);
  }
  return out;
}

/** The most runs running at one moment. */
export function maxAtOnce(runs: readonly LedgerRun[]): number {
  const events = runs
    .flatMap(
      (r) =>
        [
          [r.start, 1],
          [r.finish, -1],
        ] as const,
    )
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d));
  return max;
}

/** The most starts in any window of `windowMs` (half-open: starts exactly `windowMs` apart are in different windows). */
export function maxStartsInWindow(runs: readonly LedgerRun[], windowMs: number): number {
  const starts = runs.map((r) => r.start).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; j < starts.length; j++) {
    while (starts[j]! - starts[i]! >= windowMs) i++;
    max = Math.max(max, j - i + 1);
  }
  return max;
}

/**
 * The claim times the database stamped on jobs (`queue_job.started_at`, at the claim: the time a
 * rate limit counts), as runs for `maxStartsInWindow`: exact where the ledger's start times lag the
 * claim by however long the handler took to write them. Each job must have run once.
 */
export async function claimTimes(orm: MikroORM<any, any, any>, ids: readonly string[]): Promise<LedgerRun[]> {
  const rows: { id: unknown; started_at: unknown }[] = await orm.em
    .fork()
    .getConnection()
    .execute(`SELECT id, started_at FROM queue_job WHERE id IN (${ids.map(() => '?').join(', ')})`, [...ids]);
  return rows.map((r) => ({ jobId: String(r.id), consumer: '', start: ms(r.started_at), finish: ms(r.started_at) }));
}
