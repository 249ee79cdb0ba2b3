import type { RetentionStore } from '../persistence/retention.store.js';

type Boundary = { finishedAt: unknown; id: string };

/** Read the `maxCount` boundary afresh at least this often (rounds), whatever happened in between. */
const FRESH_EVERY_ROUNDS = 30;
/**
 * How far back from the newest finish seen a round counts again. A finish stamped at its
 * transaction's start may commit after newer ones were counted: counting again from this far back,
 * and taking off what was counted there last time, finds such a late job unless it committed more
 * than this long after its stamp. One missed is kept until the next fresh read: never under size.
 * Each round reads every job finished in this window (heap rows: the state is not in the index),
 * so it is kept short: the finishes' own transactions are one statement each. At 5 s a round read
 * about 200,000 rows at 40,000 jobs/s (100 ms a round); at 1 s, 40 ms (bench retention-drain).
 */
const LATE_COMMIT_MS = 1_000;

/**
 * Where a `maxCount` rule cuts, kept between rounds. Reading the newest N-th job reads N entries of
 * the finished index (1,000,000 at a `maxCount` of 1M): the pruner read it so at every round,
 * every 100 ms while catching up, competing with the drain (bench retention-drain). Instead,
 * after one fresh read, each round counts the jobs finished since a mark (the index's newest
 * entries) and moves the boundary on by the new ones, reading that many entries.
 */
export class RetentionBoundary {
  private boundary: Boundary | undefined;
  /** The newest finish seen, and a mark at or before it with the jobs finished at or after it when last counted. */
  private newest: Stamp | undefined;
  private mark: Stamp | undefined;
  private seen = 0;
  private rounds = 0;

  constructor(
    private readonly store: Pick<RetentionStore, 'pruneBoundary' | 'finishedSince'>,
    private readonly state: string,
    private readonly keepLast: number,
  ) {}

  /** The boundary for this round: jobs before it go. */
  async next(): Promise<Boundary | undefined> {
    if (this.boundary && this.rounds++ < FRESH_EVERY_ROUNDS) {
      const moved = await this.moveOn(this.boundary);
      if (moved) return moved;
    }
    // Fresh: the boundary first, then the mark, so a job finishing in between is counted as new
    // next round and kept one round longer, never counted twice.
    this.rounds = 0;
    this.boundary = await this.store.pruneBoundary(this.state, this.keepLast);
    this.newest = this.mark = shifted((await this.store.finishedSince(this.state, [])).newest, 0);
    this.seen = this.mark === undefined ? 0 : (await this.store.finishedSince(this.state, [this.mark])).counts[0]!;
    return this.boundary;
  }

  /** The boundary moved on by the jobs finished since the mark was counted; undefined to read afresh. */
  private async moveOn(boundary: Boundary): Promise<Boundary | undefined> {
    const { mark } = this;
    const back = shifted(this.newest, -LATE_COMMIT_MS);
    if (mark === undefined || back === undefined) return undefined;
    // The next mark: `LATE_COMMIT_MS` before the newest seen, never before the current one. One
    // read counts both: what is new since the current mark, and what to take off next time.
    const next = later(back, mark);
    const since = await this.store.finishedSince(this.state, [mark, next]);
    const fresh = since.counts[0]! - this.seen;
    if (fresh < 0) return undefined; // recent jobs deleted by other means: start over
    const moved =
      fresh === 0
        ? boundary
        : await this.store.pruneBoundary(this.state, this.keepLast, { from: boundary, skip: fresh });
    if (!moved) return undefined;
    this.boundary = moved;
    this.mark = next;
    this.seen = since.counts[1]!;
    this.newest = shifted(since.newest, 0) ?? this.newest;
    return moved;
  }
}

type Stamp = Date | number | string;

/**
 * A stored finish time moved by `ms`, in its own shape: a Date, epoch ms (SQLite), a timestamp text
 * with its offset (PostgreSQL's timestamptz as the raw driver returns it: a Date then), or one
 * without (MariaDB's DATETIME: text again, moved as if in UTC so that no daylight saving change
 * gets in). Texts are cut to the millisecond: earlier, never later, so a mark taken from one counts
 * no job less. Undefined for another shape or none (the boundary is then read afresh every round).
 */
export function shifted(value: unknown, ms: number): Stamp | undefined {
  if (value instanceof Date) return new Date(value.getTime() + ms);
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) + ms;
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value)) return Number(value) + ms;
  const m = TIMESTAMP.exec(value);
  if (!m) return undefined;
  const at = m[2] ? Date.parse(value) : asUtc(value);
  if (Number.isNaN(at)) return undefined;
  return m[2] ? new Date(at + ms) : new Date(at + ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** A timestamp text without an offset (MariaDB's), read as UTC: epoch ms, NaN if unreadable. */
function asUtc(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

/** The later of two stamps of one shape (see `shifted`). */
function later(a: Stamp, b: Stamp): Stamp {
  const time = (s: Stamp) => (typeof s === 'string' ? asUtc(s) : Number(s));
  return time(a) > time(b) ? a : b;
}

/** `2026-11-30 11:42:56.948033+00`, `...+05:30`, `...Z` (group 2: the offset), or with none. */
const TIMESTAMP = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d(?::?\d\d)?)?$/;
