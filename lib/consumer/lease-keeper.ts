import { LeaseLostError } from '../errors/lease-lost.error.js';
import { JobCancelledError } from '../errors/job-cancelled.error.js';
import type { ClaimedJob } from '../persistence/row.mapper.js';
import type { JobStore } from '../persistence/job.store.js';
import type { ClaimBuffer } from './claim-buffer.js';
import type { LoopLogger } from './consumer.types.js';
import type { RunningJob } from './job-slots.js';
import { waitAtMost } from '../wait.util.js';

export interface LeaseKeeperSettings {
  consumerId: string;
  leaseMs: number;
  heartbeatMs: number;
}

export interface LeaseKeeperCollaborators {
  store: Pick<JobStore, 'heartbeat' | 'rescue'>;
  /** Running jobs by id. */
  running: ReadonlyMap<string, RunningJob>;
  buffer: ClaimBuffer;
  /** Finished here, not written yet (id to attempt). */
  unflushed: ReadonlyMap<string, number>;
  /** Returns a buffered job, never started, to the queue. */
  handBack(job: ClaimedJob): void;
  /** Drops what was prepared for a buffered job that will not start here. */
  forget(job: ClaimedJob): void;
  wake(): void;
  logger: LoopLogger;
}

/**
 * Every `heartbeatMs`, renews the leases of every job this consumer holds (running, buffered,
 * finished but not written), aborts the running ones it no longer holds or whose cancel was
 * requested, drops or hands back such buffered ones, then rescues the jobs of consumers whose lease
 * lapsed.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private beating = false;
  /** The heartbeat in flight, if any (renew and rescue catch their own errors). */
  private current: Promise<void> | undefined;
  private lastHeartbeatOk = Date.now();

  constructor(
    private readonly settings: LeaseKeeperSettings,
    private readonly collaborators: LeaseKeeperCollaborators,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.heartbeat(), this.settings.heartbeatMs);
  }

  /**
   * No more heartbeats; waits for one in flight (at most a lease), so a stopped consumer leaves no
   * query running on a pool the application is about to close.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (!this.current) return;
    await waitAtMost(this.current, this.settings.leaseMs, true);
  }

  /** One heartbeat, then one rescue; skipped while the previous one still runs. */
  heartbeat(): Promise<void> {
    if (this.beating) return Promise.resolve();
    this.beating = true;
    this.current = (async () => {
      try {
        if (await this.renew()) await this.rescue();
      } finally {
        this.beating = false;
        this.current = undefined;
      }
    })();
    return this.current;
  }

  /** Renews the leases and acts on the answer; false when the heartbeat failed. */
  private async renew(): Promise<boolean> {
    const { store, running, buffer, unflushed, logger } = this.collaborators;
    const { consumerId, leaseMs } = this.settings;
    const jobs = [
      ...[...running.values()].map((r) => ({ id: r.job.id, attempt: r.job.attempts })),
      ...[...unflushed].map(([id, attempt]) => ({ id, attempt })),
      ...buffer.buffered.map((j) => ({ id: j.id, attempt: j.attempts })),
    ];
    const asked = new Set(jobs.map((j) => j.id));
    // The renewed leases run from about when the statement was sent, not from when it returned.
    const sentAt = Date.now();
    try {
      const held = await store.heartbeat(consumerId, leaseMs, jobs);
      this.lastHeartbeatOk = sentAt;
      for (const r of running.values()) {
        // Claimed and started while the heartbeat was on its way: not asked about, so not lost.
        if (!asked.has(r.job.id)) continue;
        const lease = held.get(r.job.id);
        if (!lease) r.controller.abort(new LeaseLostError(`Job ${r.job.id}: this consumer no longer holds its lease`));
        else if (lease.cancelRequested)
          r.controller.abort(new JobCancelledError(`Job ${r.job.id} was cancelled while it ran`));
      }
      this.checkBuffered(held, asked);
      return true;
    } catch (err) {
      logger.warn(`heartbeat failed (${(err as Error).message})`);
      if (Date.now() - this.lastHeartbeatOk > leaseMs) {
        // Cut off longer than a lease: other consumers may have rescued these jobs already.
        for (const r of running.values()) {
          r.controller.abort(
            new LeaseLostError(`Job ${r.job.id}: no heartbeat for ${leaseMs} ms; the lease may be gone`),
          );
        }
        // Not started: their leases lapse and they are rescued.
        for (const job of buffer.remove()) this.collaborators.forget(job);
      }
      return false;
    }
  }

  /** Buffered jobs whose lease is gone are dropped; cancelled ones are handed back (the release ends them cancelled). */
  private checkBuffered(held: ReadonlyMap<string, { cancelRequested: boolean }>, asked: Set<string>): void {
    const { buffer, handBack, forget, logger } = this.collaborators;
    // Claimed while the heartbeat was on its way: not asked about, so not lost.
    const dropped = buffer.remove((job) => asked.has(job.id) && (held.get(job.id)?.cancelRequested ?? true));
    for (const job of dropped) {
      if (held.has(job.id)) {
        handBack(job);
      } else {
        forget(job);
        logger.warn(`job ${job.id} '${job.name}': lease lost before it started; not running it`);
      }
    }
  }

  private async rescue(): Promise<void> {
    const { store, wake, logger } = this.collaborators;
    try {
      const rescued = await store.rescue();
      for (const r of rescued)
        logger.warn(`rescued job ${r.id} '${r.name}' from a consumer whose lease lapsed; now ${r.state}`);
      if (rescued.length) wake();
    } catch (err) {
      logger.warn(`rescue failed (${(err as Error).message})`);
    }
  }
}
