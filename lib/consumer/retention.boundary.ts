import type { RetentionStore } from '../persistence/retention.store.js';

type Boundary = { finishedAt: unknown; id: string };

/**
 * Read the `maxCount` boundary afresh at least this often (rounds): in between it is moved on by the
 * jobs finished since, which misses a job whose finish committed after a newer one was counted (it is
 * kept until the next fresh read; the table runs over by that many, never under).
 */
const FRESH_EVERY_ROUNDS = 30;

/**
 * Where a `maxCount` rule cuts, kept between rounds. Reading the newest N-th job reads N entries of
 * the finished index (1,000,000 at a `maxCount` of 1M, each round): the pruner read it so at every
 * round of a catch-up, and fell behind a fast drain (bench retention-drain). Instead, after one fresh
 * read, each round counts the jobs finished since the newest one seen (the index's newest entries)
 * and moves the boundary on by that many, reading that many entries.
 */
export class RetentionBoundary {
  private boundary: Boundary | undefined;
  /** The newest finish seen, as stored (a Date, or epoch ms on SQLite). */
  private newest: unknown;
  private rounds = 0;

  constructor(
    private readonly store: Pick<RetentionStore, 'pruneBoundary' | 'finishedSince'>,
    private readonly state: string,
    private readonly keepLast: number,
  ) {}

  /** The boundary for this round: jobs before it go. */
  async next(): Promise<Boundary | undefined> {
    const from = this.boundary && this.rounds++ < FRESH_EVERY_ROUNDS ? afterMs(this.newest) : undefined;
    if (from !== undefined) {
      // Counted first, moved on after: a job finishing in between is kept one more round (never one too many deleted).
      const since = await this.store.finishedSince(this.state, from);
      if (since.n === 0) return this.boundary;
      const moved = await this.store.pruneBoundary(this.state, this.keepLast, { from: this.boundary!, skip: since.n });
      if (moved) {
        this.boundary = moved;
        this.newest = since.newest;
        return moved;
      }
    }
    // Fresh: the boundary first, then the newest, so a job finishing in between is not counted twice.
    this.rounds = 0;
    this.boundary = await this.store.pruneBoundary(this.state, this.keepLast);
    this.newest = (await this.store.finishedSince(this.state)).newest;
    return this.boundary;
  }
}

/**
 * The first millisecond after a stored finish time: jobs finished from then on are new. A time read
 * back to the millisecond (PostgreSQL keeps microseconds) is rounded down, so counting from it would
 * count again jobs of that millisecond already seen; from the next one, a job finished later in the
 * same millisecond is missed instead, and kept (the safe side). Undefined for a value of another
 * shape: the boundary is then read afresh.
 */
function afterMs(value: unknown): unknown {
  if (value instanceof Date) return new Date(value.getTime() + 1);
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) + 1;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value) + 1;
  return undefined;
}
