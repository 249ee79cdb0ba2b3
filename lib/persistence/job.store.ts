import { Logger } from '@nestjs/common';
import type { EntityManager } from '@mikro-orm/core';
import type { Kysely } from 'kysely';
import type { JobRecord } from '../interfaces/job-record.js';
import type { JobState } from '../interfaces/job-state.js';
import { hasEnded, onlyReleases } from '../pipeline/dependency.policy.js';
import type { EffectsContext } from './completion-effects.js';
import { writeFinishBatch } from './finish-batch.js';
import { guard } from './db-guard.util.js';
import { BoundStore } from './bound.store.js';
import type { Listener } from './jobs-dialect.js';
import { JobWriter, refuseWriteTarget } from './job.writer.js';
import { insertJobRows } from './insert-jobs.js';
export { insertIsOneStatement, ROWS_PER_INSERT, sendInChunks } from './insert-jobs.js';

import { JobControl } from './job-control.js';
import { DateCache, mapClaimedRow, mapJobRow, toDate } from './row.mapper.js';
import { settleDependants } from './settle-dependants.js';
import { RetentionStore } from './retention.store.js';
import { JobBrowseStore } from './job-browse.store.js';
import { ScheduleStore } from './schedule.store.js';
import { MonitorStore } from './monitor.store.js';
import { LISTENER_HELLO } from './finish-notices.js';
import { claimRows } from './claim-rows.js';
import { readPipeline, readStepInputs } from './pipeline.reader.js';
import type { Executor } from './sql.util.js';
import {
  claimOrder,
  type ClaimFilter,
  type ClaimedJob,
  type EndedRow,
  type FinishBatch,
  type InsertedJobs,
  type JobFilter,
  type NewJobRow,
  type QueueDepthRow,
} from './store.types.js';

export type { FinishBatch, ClaimFilter, ClaimedJob } from './store.types.js';

export type { JobStoreOptions } from './bound.store.js';

/**
 * The one door to the queue's tables: intent methods only. The SQL is the dialect's (one per
 * database, `dialects/`), run through MikroORM's own Kysely connection (real bound parameters, no
 * ORM on the hot path). Entities exist for users' queries and for schema generation.
 */
export class JobStore extends BoundStore {
  /** What applying completion effects needs, made once. */
  private effects?: EffectsContext;
  private controlOf?: JobControl;
  private retentionOf?: RetentionStore;
  private browseOf?: JobBrowseStore;
  private schedulesOf?: ScheduleStore;
  private monitorOf?: MonitorStore;

  /**
   * Runs `fn`'s writes in `em`'s transaction (opening one if `em` has none), or in one of the
   * store's own. `statement`: without `em`, `fn` runs one statement, atomic by itself, so no
   * transaction is opened for it. Lost connections become `QueueUnavailableError`.
   */
  write<T>(
    em: EntityManager | undefined,
    fn: (w: JobWriter) => Promise<T>,
    how: { statement?: boolean } = {},
  ): Promise<T> {
    const refused = refuseWriteTarget(this.orm, this.dialect, em);
    if (refused) return Promise.reject(refused);
    let wake = false;
    const insert = (x: Executor, rows: NewJobRow[], notify: boolean) => {
      wake ||= this.localWakes.listening && rows.some((r) => r.state === 'pending');
      return this.insertOn(x, rows, notify);
    };
    const on = (ex: Executor) => fn(new JobWriter(ex, this.dialect, insert));
    const written = guard(() => {
      if (!em) return how.statement ? on(this.bound.db) : this.transaction(on);
      if (em.isInTransaction()) return on(executorOf(em));
      return em.transactional((tx) => on(executorOf(tx)));
    });
    // Once written (committed, unless `em`'s transaction is still open: then the woken consumers find
    // nothing yet, and the jobs wait for their next poll).
    return written.then((result) => {
      if (wake) this.localWakes.wake();
      return result;
    });
  }

  /** Inserts jobs in a transaction of the store's (see `JobWriter.insert`). */
  insert(rows: NewJobRow[]): Promise<JobRecord[]> {
    return this.write(undefined, (w) => w.insert(rows));
  }

  /** Inserts jobs; a job whose unique key is taken yields the job holding it. Result in input order. */
  private insertOn(ex: Executor, rows: NewJobRow[], notify: boolean): Promise<InsertedJobs> {
    return insertJobRows(this.dialect, ex, rows, notify && this.wakesOtherProcesses);
  }

  /** Claims due jobs, with what running them needs, in claim order. */
  async claim(filter: ClaimFilter): Promise<ClaimedJob[]> {
    if (filter.limit <= 0 || filter.names.length === 0) return [];
    const d = this.dialect;
    const rows = await claimRows(d, this.bound.db, filter);
    const dates = new DateCache();
    return rows.map((r) => mapClaimedRow(r, d, dates)).sort(claimOrder);
  }

  /**
   * Completes, fails, snoozes and releases a batch in one fenced transaction; in it, applies what each job
   * that really completed produced (children, workspace changes), then lets each finished pipeline
   * step unblock (or end) its dependants, and tells other processes which jobs ended (where they
   * can hear it). Returns the ids whose write took effect, with the state it left: a job missing
   * from it was no longer this consumer's (lease lost).
   */
  async finish(consumerId: string, batch: FinishBatch): Promise<Map<string, string>> {
    let unblocked = 0;
    let ended: EndedRow[] = [];
    const result = await this.transaction(async (tx) => {
      const written = await writeFinishBatch(this.dialect, tx, consumerId, batch, () => this.effectsContext());
      ended = written.ended;
      unblocked = await this.settle(tx, ended);
      return written.applied;
    }, true);
    if (unblocked > 0) this.localWakes.wake();
    this.monitor.announce(batch, result, ended);
    return result;
  }

  /** What applying completion effects needs, made once. */
  private effectsContext(): EffectsContext {
    return (this.effects ??= {
      dialect: this.dialect,
      insert: async (x, r) => (await this.insertOn(x, r, true)).jobs,
      maxPayloadBytes: this.bound.options.maxPayloadBytes,
      warn: (m) => this.warnSink(m),
    });
  }

  /** Renews leases; returns the jobs still held, each with whether a cancel was requested. */
  async heartbeat(
    consumerId: string,
    leaseMs: number,
    jobs: { id: string; attempt: number }[],
  ): Promise<Map<string, { cancelRequested: boolean }>> {
    if (jobs.length === 0) return new Map();
    const rows = await this.dialect.renewLeases(this.bound.db, consumerId, leaseMs, jobs);
    return new Map(
      rows.map((r) => [String(r.id), { cancelRequested: r.cancel_requested === true || r.cancel_requested === 1 }]),
    );
  }

  /** Rescues running jobs whose lease lapsed; returns them (id, name, new state). */
  async rescue(limit = 500): Promise<{ id: string; name: string; state: JobState }[]> {
    return this.transaction(async (tx) => {
      const rows = await this.dialect.rescue(tx, limit);
      await this.settle(tx, rows);
      return rows.map((r) => ({ id: String(r.id), name: r.name, state: r.state as JobState }));
    });
  }

  /** Cancel, retry, discard, pause and resume (`JobQueue`). */
  get control(): JobControl {
    const settle = (tx: Executor, rows: EndedRow[]) => this.settle(tx, rows);
    // Without notifications, this process's consumers are woken after each retry or discard (it may make jobs pending).
    const transaction = <T>(fn: (tx: Executor) => Promise<T>) =>
      this.transaction(fn).finally(() => this.localWakes.wake());
    return (this.controlOf ??= new JobControl({
      dialect: this.dialect,
      db: this.bound.db,
      transaction,
      settle,
      notifies: this.wakesOtherProcesses,
      announce: (notices) => this.monitor.announceChanges(notices),
    }));
  }

  /** Jobs by name, queue and state, in id order (`JobsTesting`). */
  async find(filter: JobFilter): Promise<JobRecord[]> {
    return (await this.dialect.findJobs(this.bound.db, filter)).map((r) => mapJobRow(r, this.dialect));
  }

  async get(ids: string[]): Promise<JobRecord[]> {
    if (ids.length === 0) return [];
    const d = this.dialect;
    return (await d.jobs(this.bound.db, ids)).map((r) => mapJobRow(r, d));
  }

  /** A pipeline, its steps (in creation order) and its edges; undefined for an unknown id. */
  getPipeline(id: string) {
    return readPipeline(this.dialect, this.bound.db, id);
  }

  /** The finished dependencies of these pipeline steps (parsed) and the workspaces of their pipelines. */
  stepInputs(jobIds: readonly string[], pipelineIds: readonly string[]) {
    return readStepInputs(this.dialect, this.bound.db, jobIds, pipelineIds);
  }

  /** Which of `steps` are keys of steps of the pipeline already. */
  takenSteps(pipelineId: string, steps: readonly string[]): Promise<string[]> {
    return this.dialect.takenSteps(this.bound.db, pipelineId, steps);
  }

  /**
   * Unfinished jobs per queue and state; `scheduled`: pending with a `runAfter` ahead; `ageMs`: how
   * long ago, on the database clock, the group's earliest `runAfter` was (the oldest due job's wait).
   */
  async queueDepths(queues?: readonly string[]): Promise<QueueDepthRow[]> {
    const rows = await this.dialect.queueDepths(this.bound.db, queues);
    return rows.map((r) => ({
      queue: r.queue,
      state: r.state,
      scheduled: Number(r.scheduled) === 1,
      n: Number(r.n),
      ageMs: toDate(r.now)!.getTime() - toDate(r.oldest)!.getTime(),
    }));
  }

  /** Deleting finished jobs: `JobQueue.purge` and background retention. */
  get retention(): RetentionStore {
    return (this.retentionOf ??= new RetentionStore(this.dialect, this.bound.db, (fn) => this.transaction(fn)));
  }

  /** Reading the queue as an operator does (`JobsInspector`). */
  get browse(): JobBrowseStore {
    return (this.browseOf ??= new JobBrowseStore(this.dialect, this.bound.db));
  }

  /** Run-time schedules (`JobQueue.schedule`); an occurrence's jobs are written as `write` writes them. */
  get schedules(): ScheduleStore {
    return (this.schedulesOf ??= new ScheduleStore(this.dialect, this.bound.db, (fn) => this.write(undefined, fn)));
  }

  /** Health checks and events: ping, oldest due job, ended pipelines, finished jobs of other processes. */
  get monitor(): MonitorStore {
    return (this.monitorOf ??= new MonitorStore(this.dialect, this.bound.db, this.orm, this.wakesOtherProcesses, (m) =>
      new Logger('JobsNotifier').warn(m),
    ));
  }

  /**
   * At shutdown, before the ORM closes: the monitor's background statements settled (nothing to wait
   * for if it never started), and the dialect's own connections ended.
   */
  async settleBackground(ms: number): Promise<void> {
    await (this.monitorOf?.settle(ms) ?? Promise.resolve());
    await this.attachedDialect?.close?.();
  }

  /** A running job's progress note (serialised JSON), written at once. */
  progress(id: string, progress: string): Promise<void> {
    return this.dialect.progress(this.bound.db, id, progress);
  }

  /**
   * Calls `onWake` whenever jobs become pending in another process, where the database can say so;
   * where it cannot, whenever this process makes jobs pending.
   */
  listen(onWake: () => void): Promise<Listener> {
    if (this.bound.options.notify && !this.dialect.notifies) {
      return Promise.resolve(this.localWakes.listen(onWake));
    }
    if (!this.wakesOtherProcesses) return Promise.resolve({ close: async () => undefined });
    const heard = (payload?: string) => (payload === LISTENER_HELLO ? this.monitor.listenerHeard() : onWake());
    return this.dialect.listen(this.orm, heard, (m) => new Logger('JobsNotifier').warn(m));
  }

  /**
   * Lets the dependants of pipeline steps that just ended follow; a finish that made steps pending
   * wakes every consumer too: a step only another process runs (its GPU step) would otherwise wait
   * for that process's next poll.
   */
  private async settle(tx: Executor, rows: EndedRow[]): Promise<number> {
    const ended = rows.filter((r) => r.pipeline_id !== null && hasEnded(r.state));
    if (ended.length === 0) return 0;
    const d = this.dialect;
    const ids = ended.map((r) => String(r.id));
    const unblocked = await settleDependants(d, tx, ids, onlyReleases(ended));
    if (unblocked > 0 && this.wakesOtherProcesses) await d.notify(tx);
    return unblocked;
  }
}

/** The executor bound to `em`'s transaction, or its pool. */
function executorOf(em: EntityManager): Executor {
  return (em as any).getKysely() as Kysely<any>;
}
