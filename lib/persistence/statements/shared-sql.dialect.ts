import type { Kysely } from 'kysely';
import type { MikroORM } from '@mikro-orm/core';
import type { DatabaseName, DialectSettings, JobRow, JobsDialect, Listener } from '../jobs-dialect.js';
import { run, type Executor } from '../sql.util.js';
import type {
  ClaimFilter,
  CompletedJob,
  EndedRow,
  FailedJob,
  InsertedRow,
  ClaimUnit,
  JobFilter,
  NewJobRow,
  ReopenedRow,
  SnoozedJob,
} from '../store.types.js';
import {
  deletePipelinesSql,
  advanceBoundarySql,
  finishedSinceSql,
  pruneBoundarySql,
  pruneJobsSql,
  countSteps,
  lockStepsToPrune,
  selectPrunablePipelines,
  type PruneRule,
} from './prune.sql.js';
import { cancelJobs, cancelPipelineSteps } from './cancel-jobs.sql.js';
import * as deps from './dependencies.sql.js';
import { completeJobs, releaseJobs, renewLeases, snoozeJobs } from './finish-jobs.sql.js';
import * as reads from './read-jobs.sql.js';
import { SharedOperatorSql } from './shared-operator.sql.js';
import * as control from './control-jobs.sql.js';
import * as unique from './unique-jobs.sql.js';

/**
 * The intents whose SQL PostgreSQL and SQLite share, written once over a dialect's `SqlSyntax`.
 * A dialect extends it and writes the rest (claim, failure, rescue, insert, transactions,
 * notifications); a database whose SQL differs more implements `JobsDialect` from scratch.
 */
export abstract class SharedSqlDialect extends SharedOperatorSql implements JobsDialect {
  abstract readonly name: DatabaseName;
  abstract readonly oneConnection: boolean;
  abstract readonly notifies: boolean;

  abstract prepare(db: Kysely<any>, orm: MikroORM, settings: DialectSettings): Promise<void>;
  abstract transaction<T>(db: Kysely<any>, fn: (tx: Executor) => Promise<T>, fenced?: boolean): Promise<T>;
  abstract parseJson(value: unknown): any;
  abstract schema(from: number): string[];
  abstract insertJobs(ex: Executor, rows: readonly NewJobRow[], notify: boolean): Promise<InsertedRow[]>;
  abstract claim(db: Kysely<any>, filter: ClaimFilter): Promise<JobRow[]>;
  abstract claimLimited(db: Kysely<any>, filter: ClaimFilter, units: readonly ClaimUnit[]): Promise<JobRow[]>;
  abstract fail(tx: Executor, consumerId: string, jobs: readonly FailedJob[]): Promise<EndedRow[]>;
  abstract rescue(tx: Executor, limit: number): Promise<(EndedRow & { name: string })[]>;
  abstract notify(tx: Executor): Promise<void>;
  abstract tryPrunerLock(tx: Executor): Promise<boolean>;
  abstract listen(
    orm: MikroORM,
    onWake: (payload?: string) => void,
    warn: (message: string) => void,
  ): Promise<Listener>;

  selectByUniqueKeys(ex: Executor, keys: readonly string[]) {
    return run<JobRow>(ex, reads.selectByUniqueKeys(this.syntax, keys));
  }

  recentByUniqueKeys(ex: Executor, keys: readonly { key: string; for_ms: number }[]) {
    return run<JobRow>(ex, unique.selectRecentByUniqueKeys(this.syntax, keys));
  }

  replaceWaiting(
    ex: Executor,
    rows: readonly { key: string; input: string; run_after_ms: number | null; delay_ms: number | null }[],
  ) {
    return run<{ id: unknown }>(ex, unique.replaceWaiting(this.syntax, rows));
  }

  complete(tx: Executor, consumerId: string, jobs: readonly CompletedJob[]) {
    return run<EndedRow>(tx, completeJobs(this.syntax, consumerId, jobs));
  }

  snooze(tx: Executor, consumerId: string, jobs: readonly SnoozedJob[]) {
    return run<EndedRow>(tx, snoozeJobs(this.syntax, consumerId, jobs));
  }

  release(tx: Executor, consumerId: string, jobs: readonly { id: string; attempt: number }[]) {
    return run<EndedRow>(tx, releaseJobs(this.syntax, consumerId, jobs));
  }

  renewLeases(db: Kysely<any>, consumerId: string, leaseMs: number, jobs: readonly { id: string; attempt: number }[]) {
    return this.transaction(
      db,
      (tx) => run<{ id: unknown; cancel_requested: unknown }>(tx, renewLeases(this.syntax, consumerId, leaseMs, jobs)),
      true,
    );
  }

  cancel(tx: Executor, ids: readonly string[]) {
    return run<EndedRow>(tx, cancelJobs(this.syntax, ids));
  }

  cancelPipelineSteps(tx: Executor, pipelineId: string) {
    return run<EndedRow>(tx, cancelPipelineSteps(this.syntax, pipelineId));
  }

  dependantsOf(tx: Executor, ids: readonly string[]) {
    return run<{ job_id: unknown; depends_on_id: unknown; policy: string; dep_state: string; dep_step: string | null }>(
      tx,
      deps.selectDependants(this.syntax, ids),
    );
  }

  releaseDependantsOf(tx: Executor, ids: readonly string[]) {
    return run<{ state: string }>(tx, deps.releaseDependantsOf(this.syntax, ids));
  }

  releaseBlocked(tx: Executor, rows: readonly { id: string; n: number }[]) {
    return run<{ id: unknown; state: string }>(tx, deps.releaseBlocked(this.syntax, rows));
  }

  endBlocked(tx: Executor, rows: readonly { id: string; state: string; error: string | null }[]) {
    return run<{ id: unknown; state: string }>(tx, deps.endBlocked(this.syntax, rows));
  }

  async insertEdges(ex: Executor, edges: readonly deps.EdgeRow[]) {
    await run(ex, deps.insertEdges(this.syntax, edges));
  }

  edgesFrom(tx: Executor, spawnerId: string) {
    return run<{ job_id: unknown; policy: string }>(tx, deps.selectEdgesFrom(this.syntax, spawnerId));
  }

  async addBlocking(tx: Executor, rows: readonly { id: string; n: number }[]) {
    await run(tx, deps.addBlocking(this.syntax, rows));
  }

  async lockPipeline(tx: Executor, pipelineId: string) {
    await run(tx, deps.lockPipeline(this.syntax, pipelineId));
  }

  async takenSteps(ex: Executor, pipelineId: string, steps: readonly string[]) {
    return (await run<{ step: string }>(ex, deps.selectTakenSteps(this.syntax, pipelineId, steps))).map((r) => r.step);
  }

  async insertPipeline(ex: Executor, name: string | null, workspace: string) {
    return (await run<Record<string, unknown>>(ex, deps.insertPipeline(this.syntax, name, workspace)))[0]!;
  }

  async workspaceForUpdate(tx: Executor, pipelineId: string) {
    return (await run<{ workspace: unknown }>(tx, deps.selectWorkspaceForUpdate(this.syntax, pipelineId)))[0];
  }

  async updateWorkspace(tx: Executor, pipelineId: string, workspace: string) {
    await run(tx, deps.updateWorkspace(this.syntax, pipelineId, workspace));
  }

  jobs(ex: Executor, ids: readonly string[]) {
    return run<JobRow>(ex, reads.selectJobs(this.syntax, ids));
  }

  findJobs(ex: Executor, filter: JobFilter) {
    return run<JobRow>(ex, reads.selectJobsWhere(this.syntax, filter));
  }

  async pipeline(ex: Executor, id: string) {
    return (await run<Record<string, unknown>>(ex, reads.selectPipeline(this.syntax, id)))[0];
  }

  pipelineJobs(ex: Executor, id: string) {
    return run<JobRow>(ex, reads.selectPipelineJobs(this.syntax, id));
  }

  pipelineEdges(ex: Executor, id: string) {
    return run<{ job_id: unknown; depends_on_id: unknown; policy: string }>(
      ex,
      reads.selectPipelineEdges(this.syntax, id),
    );
  }

  lockPipelineSteps(tx: Executor, pipelineId: string) {
    return run<JobRow>(tx, control.selectPipelineStepsForUpdate(this.syntax, pipelineId));
  }

  reopen(tx: Executor, rows: readonly ReopenedRow[]) {
    return run<EndedRow>(tx, control.reopenJobs(this.syntax, rows));
  }

  failedJobs(ex: Executor, filter: { name?: string; queue?: string; afterId: string; limit: number }) {
    return run<{ id: unknown; pipeline_id: unknown }>(ex, control.selectFailedJobs(this.syntax, filter));
  }

  discard(tx: Executor, id: string, error: string) {
    return run<EndedRow>(tx, control.discardJob(this.syntax, id, error));
  }

  dependencyResults(ex: Executor, jobIds: readonly string[]) {
    return run<Record<string, any>>(ex, deps.selectDependencyResults(this.syntax, jobIds));
  }

  workspaces(ex: Executor, pipelineIds: readonly string[]) {
    return run<{ id: unknown; workspace: unknown }>(ex, deps.selectWorkspaces(this.syntax, pipelineIds));
  }

  queueDepths(ex: Executor, queues?: readonly string[]) {
    return run<{ queue: string; state: string; scheduled: unknown; n: unknown; oldest: unknown; now: unknown }>(
      ex,
      reads.selectQueueDepths(this.syntax, queues),
    );
  }

  async progress(ex: Executor, id: string, progress: string) {
    await run(ex, reads.updateProgress(this.syntax, id, progress));
  }

  async pruneBoundary(
    ex: Executor,
    state: string,
    keepLast: number,
    advance?: { from: { finishedAt: unknown; id: string }; skip: number },
  ) {
    const q = advance
      ? advanceBoundarySql(this.syntax, state, advance.from, advance.skip)
      : pruneBoundarySql(this.syntax, state, keepLast);
    const [row] = await run<{ finished_at: unknown; id: unknown }>(ex, q);
    return row ? { finishedAt: row.finished_at, id: String(row.id) } : undefined;
  }

  async finishedSince(ex: Executor, state: string, since: readonly unknown[]) {
    const [row] = await run<Record<string, unknown>>(ex, finishedSinceSql(this.syntax, state, since));
    return { counts: since.map((_, i) => Number(row?.[`n${i}`] ?? 0)), newest: row?.newest ?? undefined };
  }

  async pruneJobs(tx: Executor, rule: PruneRule, limit: number) {
    return (await run(tx, pruneJobsSql(this.syntax, rule, limit))).length;
  }

  async prunePipelines(tx: Executor, rules: readonly PruneRule[], limit: number) {
    const locked = (await run<{ id: unknown }>(tx, selectPrunablePipelines(this.syntax, rules, limit))).map((r) =>
      String(r.id),
    );
    if (locked.length === 0) return 0;
    const ids = await this.stillWhole(tx, locked);
    if (ids.length === 0) return 0;
    const [edges, steps, pipelines] = deletePipelinesSql(this.syntax, ids);
    await run(tx, edges!);
    const deleted = (await run(tx, steps!)).length;
    await run(tx, pipelines!);
    return deleted;
  }

  /**
   * Of these locked pipelines, those whose every step is finished now and held by no one else: the
   * first read's snapshot may predate a retry that re-opened a step (see `lockStepsToPrune`).
   */
  private async stillWhole(tx: Executor, pipelineIds: readonly string[]): Promise<string[]> {
    // A pipeline without steps (none is made so, but older data may have one) has nothing left to wait for.
    const left = new Map(pipelineIds.map((id) => [id, 0]));
    for (const r of await run<{ pipeline_id: unknown; n: unknown }>(tx, countSteps(this.syntax, pipelineIds)))
      left.set(String(r.pipeline_id), Number(r.n));
    for (const r of await run<{ pipeline_id: unknown; finished_at: unknown }>(
      tx,
      lockStepsToPrune(this.syntax, pipelineIds),
    )) {
      const id = String(r.pipeline_id);
      // Counted down to 0 when every step came back finished; an unfinished one makes it negative for good.
      left.set(id, r.finished_at === null ? -Infinity : left.get(id)! - 1);
    }
    return pipelineIds.filter((id) => left.get(id) === 0);
  }

  async countJobs(ex: Executor, count: reads.JobCount) {
    const [row] = await run<{ n: unknown }>(ex, reads.countJobs(this.syntax, count));
    return Number(row?.n ?? 0);
  }

  async purge(ex: Executor, states: readonly string[], olderThanMs: number) {
    return (await run(ex, reads.purgeFinished(this.syntax, states, olderThanMs))).length;
  }
}
