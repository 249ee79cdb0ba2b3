import type { ClaimedJob } from '../persistence/row.mapper.js';
import type { JobStore } from '../persistence/job.store.js';
import { FinishRate } from './finish-rate.js';

type ClaimFilter = Parameters<JobStore['claim']>[0];

/**
 * Claimed jobs are kept in a local buffer beyond the free slots, sized to what this consumer runs in
 * about PREFETCH_WINDOW_MS, so a claim round trip is paid per batch, not per free slot. Bench
 * (`npm run bench`, noop-drain, 20,000 jobs, concurrency 10): 2,290 jobs/s claiming only free slots.
 * The window also bounds how long a buffered job can keep a newer higher-priority job, or an idle
 * consumer elsewhere, waiting.
 */
export const PREFETCH_WINDOW_MS = 100;
export const MAX_PREFETCH = 2_000;
/**
 * Refill when the buffer is down to this share of its target: the rest must cover a claim's round
 * trip. At half (and a cap of 1,000) a consumer running no-op jobs emptied its buffer before each
 * claim of 500 came back (20-25 ms); at three quarters with a cap of 2,000, claims come back while a
 * thousand jobs are still buffered (bench noop-drain, 6 alternating runs: 18,121 -> 20,161 jobs/s).
 */
export const REFILL_AT = 0.75;

/**
 * Jobs claimed (leased, heartbeated) but not started yet, in claim order (priority first), and how
 * many to claim next. The loop sends the claim; this decides its size and keeps what it returned.
 */
export class ClaimBuffer {
  private readonly jobs: ClaimedJob[] = [];
  /** Sizes the buffer. */
  private readonly rate = new FinishRate();
  /** The last claim got all it asked for (assumed at start): claims guard their plan (ClaimFilter.guardPlan). */
  private backlog = true;

  constructor(private readonly filter: Omit<ClaimFilter, 'limit' | 'guardPlan'>) {}

  get size(): number {
    return this.jobs.length;
  }

  /** The buffered jobs, oldest claim first (for heartbeats). */
  get buffered(): readonly ClaimedJob[] {
    return this.jobs;
  }

  /** A job left its slot, however it ended: counts towards the finish rate. */
  noteEnded(): void {
    this.rate.noteEnded();
  }

  /**
   * How many jobs to claim now with `free` slots and at most `allowed` more starts (maxJobs): 0
   * unless the buffer is down to REFILL_AT of its target.
   */
  claimLimit(free: number, allowed: number): number {
    const target = this.prefetchTarget();
    const want = free + target - this.jobs.length;
    if (this.jobs.length > target * REFILL_AT || want <= 0) return 0;
    return Math.min(want, allowed - this.jobs.length);
  }

  /** The claim to send for `limit` jobs. */
  claimFilter(limit: number): ClaimFilter {
    return { ...this.filter, limit, guardPlan: this.backlog };
  }

  /** Keeps what a claim for `limit` jobs returned; true when it got all it asked for. */
  add(jobs: ClaimedJob[], limit: number): boolean {
    this.backlog = jobs.length === limit;
    this.jobs.push(...jobs);
    return this.backlog;
  }

  /** The next job to start, in claim order. */
  take(): ClaimedJob | undefined {
    return this.jobs.shift();
  }

  /** Takes out the buffered jobs `drop` picks (all when omitted), and returns them. */
  remove(drop?: (job: ClaimedJob) => boolean): ClaimedJob[] {
    if (!drop) return this.jobs.splice(0);
    const removed: ClaimedJob[] = [];
    for (let i = this.jobs.length - 1; i >= 0; i--) {
      if (drop(this.jobs[i]!)) removed.push(...this.jobs.splice(i, 1));
    }
    return removed;
  }

  /**
   * How many jobs to hold beyond the free slots: what this consumer finishes in PREFETCH_WINDOW_MS.
   * No floor: with slow jobs (or none finished yet) it is 0 and only free slots are claimed, else a
   * buffered job would wait a whole slow job, while newer higher-priority jobs and idle consumers
   * elsewhere wait for it (test/e2e/ordering.spec.ts, consumer-limits.spec.ts).
   */
  prefetchTarget(): number {
    return Math.min(MAX_PREFETCH, Math.round((this.rate.perSecond() * PREFETCH_WINDOW_MS) / 1000));
  }
}
