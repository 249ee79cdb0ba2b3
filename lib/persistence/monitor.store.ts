import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import type { Kysely } from 'kysely';
import { decodeNotices, encodeNotices, finishNotices, type FinishedNotice } from './finish-notices.js';
import type { JobsDialect, Listener } from './jobs-dialect.js';
import { toDate, toId } from './row.mapper.js';
import type { EndedRow, FinishBatch } from './store.types.js';
import { waitAtMost } from '../wait.util.js';

export type { FinishedNotice, FinishOutcome } from './finish-notices.js';

/** How long `announce` trusts its last look at who listens. */
const LISTENERS_TTL_MS = 1_000;

/**
 * What events and health checks ask of the database: a ping, the age of the oldest due job, which
 * pipelines have ended, and the notices of jobs other processes finished (where the database can
 * carry them: `hearsOtherProcesses`).
 */
export class MonitorStore {
  /** Tags this process's notices, so that its own listener skips what it emitted already. */
  private readonly source = randomBytes(6).toString('hex');
  /** Whether other processes listen for finished jobs, and when that was learnt (heard until first asked). */
  private listeners = { heard: true, at: 0 };
  private asking = false;
  /** Statements sent in the background (notices, the look at who listens), until they end. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    private readonly dialect: JobsDialect,
    private readonly db: Kysely<any>,
    private readonly orm: MikroORM,
    /** Whether finishes are told to other processes (notifications on and the database has them). */
    readonly hearsOtherProcesses: boolean,
    private readonly warn: (message: string) => void,
  ) {}

  /** Throws unless the database answers. */
  ping(): Promise<void> {
    return this.dialect.ping(this.db);
  }

  /** How long the oldest due job (of queues not paused) has waited, on the database clock; null when none is due. */
  async oldestDueAgeMs(queues?: readonly string[]): Promise<number | null> {
    const { oldest, now } = await this.dialect.oldestDue(this.db, queues);
    const [at, clock] = [toDate(oldest), toDate(now)];
    return at && clock ? Math.max(0, clock.getTime() - at.getTime()) : null;
  }

  /** Which of these pipelines have no unfinished step left. */
  endedPipelines(pipelineIds: readonly string[]): Promise<string[]> {
    return this.dialect.endedPipelines(this.db, pipelineIds);
  }

  /**
   * After a finish committed: tells other processes which jobs it ended, in a statement of its own
   * on the pool, not awaited (nothing where they cannot hear). Not in the finish transaction: there,
   * a NOTIFY takes PostgreSQL's server-wide notify lock and holds it until the commit ends, so every
   * notifying commit of the server would queue behind the finish's flush; on its own it holds the
   * lock for a statement that writes nothing else. A notice lost to an outage only delays a wait to
   * its next poll. (A/B on a loaded 2-core machine: within its noise either way; commit log.)
   */
  announce(batch: FinishBatch, applied: ReadonlyMap<string, string>, ended: readonly EndedRow[]): void {
    if (!this.hearsOtherProcesses || batch.completed.length + batch.failed.length === 0) return;
    if (this.closing || !this.anyoneListens()) return;
    const pipelineOf = new Map(ended.map((r) => [String(r.id), toId(r.pipeline_id)]));
    this.tell(finishNotices(batch, applied, pipelineOf));
  }

  /**
   * After a change by hand committed (`cancel()` or `discard()` of a job that had not started,
   * `retry()`): tells other processes, as `announce` does for finishes. A job cancelled while it runs
   * is told by its consumer's finish instead.
   */
  announceChanges(notices: readonly FinishedNotice[]): void {
    if (!this.hearsOtherProcesses || notices.length === 0) return;
    if (this.closing || !this.anyoneListens()) return;
    this.tell(notices);
  }

  private tell(notices: readonly FinishedNotice[]): void {
    if (notices.length === 0) return;
    this.background(
      this.dialect
        .notifyFinished(this.db, encodeNotices(this.source, notices))
        .catch((err: Error) => this.warn(`telling other processes about finished jobs failed (${err.message})`)),
    );
  }

  /**
   * Sends no more notices and waits (at most `ms`) for those under way: the pool must not close
   * under them (a pool waits for every statement it lent a connection to, however long).
   */
  async settle(ms: number): Promise<void> {
    this.closing = true;
    if (this.inFlight.size === 0) return;
    if (!(await waitAtMost(Promise.all(this.inFlight), ms)))
      this.warn(
        `${this.inFlight.size} background statements (finished-job notices, listener checks) still under way at shutdown`,
      );
  }

  private background(statement: Promise<unknown>): void {
    this.inFlight.add(statement);
    void statement.finally(() => this.inFlight.delete(statement));
  }

  /** A process started listening for finished jobs (its hello): announce from now on. */
  listenerHeard(): void {
    this.listeners = { heard: true, at: Date.now() };
  }

  /**
   * Whether another process listens for finished jobs, as last asked (at most `LISTENERS_TTL_MS`
   * ago; asked again in the background when older). A drain nobody waits on sends no notices:
   * measured, they cost it about 4% (commit log). A listener's hello (`listenerHeard`) turns them
   * on at once; a lapse costs a waiter at most its safety-net poll.
   */
  private anyoneListens(): boolean {
    const now = Date.now();
    if (now - this.listeners.at > LISTENERS_TTL_MS && !this.asking) {
      this.asking = true;
      this.listeners.at = now;
      this.background(
        this.dialect
          .finishedHeard(this.db)
          .then(
            (heard) => (this.listeners = { heard, at: Date.now() }),
            () => (this.listeners = { heard: true, at: Date.now() }),
          )
          .finally(() => (this.asking = false)),
      );
    }
    return this.listeners.heard;
  }

  /**
   * Calls `onNotices` with the jobs other processes finish, and with undefined whenever the
   * connection (re)opens: notices sent meanwhile were missed, look again.
   */
  listenFinished(onNotices: (notices: FinishedNotice[] | undefined) => void): Promise<Listener> {
    if (!this.hearsOtherProcesses) return Promise.resolve({ close: async () => undefined });
    return this.dialect.listenFinished(
      this.orm,
      (payload) => {
        if (payload === undefined) return onNotices(undefined);
        const decoded = decodeNotices(payload);
        if (decoded && decoded.source !== this.source && decoded.notices.length) onNotices(decoded.notices);
      },
      this.warn,
    );
  }
}
