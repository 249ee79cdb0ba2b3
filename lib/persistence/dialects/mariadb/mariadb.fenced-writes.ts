import type { Executor, Sql } from '../../sql.util.js';
import { run } from '../../sql.util.js';
import type { CompletedJob, EndedRow, FailedJob, SnoozedJob } from '../../store.types.js';
import * as sql from './mariadb.statements.js';

/**
 * MariaDB's fenced writes (see `JobsDialect`: completion, failure, snooze, release, lease renewal).
 * With no `UPDATE ... RETURNING`, each locks the rows this consumer still holds for this very
 * attempt (`held`), decides each row's new state from what it read (a cancel requested meanwhile
 * wins), writes exactly those rows in one joined UPDATE, and returns them.
 */

type Held = { id: unknown; attempts: unknown; pipeline_id: unknown; cancel_requested: unknown };

/** The fence (see `JobsDialect`): the rows still `consumerId`'s, for this very attempt, locked. */
export async function heldRows<J extends { id: string; attempt: number }>(
  tx: Executor,
  consumerId: string,
  jobs: readonly J[],
): Promise<{ job: J; row: Held }[]> {
  if (jobs.length === 0) return [];
  const rows = await run<Held>(
    tx,
    sql.lockHeld(
      jobs.map((j) => j.id),
      consumerId,
    ),
  );
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const seen = new Set<string>();
  const out: { job: J; row: Held }[] = [];
  for (const job of jobs) {
    const row = byId.get(job.id);
    if (!row || seen.has(job.id) || Number(row.attempts) !== job.attempt) continue;
    seen.add(job.id);
    out.push({ job, row });
  }
  return out;
}

/**
 * One fenced write: the rows still held, each turned into the row to write (`toRow`, from the job and
 * what the lock read), written by one joined UPDATE (`statement`), and returned as ended rows.
 */
async function writeHeld<
  J extends { id: string; attempt: number },
  R extends { id: string; pipeline_id: unknown; state: string },
>(
  tx: Executor,
  consumerId: string,
  jobs: readonly J[],
  toRow: (job: J, row: Held, cancel: boolean) => R,
  statement: (rows: R[]) => Sql,
): Promise<EndedRow[]> {
  const held = await heldRows(tx, consumerId, jobs);
  if (held.length === 0) return [];
  const rows = held.map(({ job, row }) => toRow(job, row, truthy(row.cancel_requested)));
  await run(tx, statement(rows));
  return rows.map(ended);
}

export function complete(tx: Executor, consumerId: string, jobs: readonly CompletedJob[]): Promise<EndedRow[]> {
  const toRow = (job: CompletedJob, row: Held, cancel: boolean) => ({
    id: job.id,
    pipeline_id: row.pipeline_id,
    state: cancel ? 'cancelled' : 'completed',
    output: job.output,
  });
  return writeHeld(tx, consumerId, jobs, toRow, sql.setCompleted);
}

export function fail(tx: Executor, consumerId: string, jobs: readonly FailedJob[]): Promise<EndedRow[]> {
  const toRow = (job: FailedJob, row: Held, cancel: boolean) => {
    const state = cancel ? 'cancelled' : job.final ? 'failed' : 'pending';
    const { delay_ms, error, log } = job;
    return { id: job.id, pipeline_id: row.pipeline_id, state, ends: state === 'pending' ? 0 : 1, delay_ms, error, log };
  };
  return writeHeld(tx, consumerId, jobs, toRow, sql.setFailed);
}

export function snooze(tx: Executor, consumerId: string, jobs: readonly SnoozedJob[]): Promise<EndedRow[]> {
  const toRow = (job: SnoozedJob, row: Held, cancel: boolean) => ({
    ...handedBack(job, row, cancel),
    delay_ms: job.delay_ms,
    log: job.log,
  });
  return writeHeld(tx, consumerId, jobs, toRow, sql.setSnoozed);
}

export function release(
  tx: Executor,
  consumerId: string,
  jobs: readonly { id: string; attempt: number }[],
): Promise<EndedRow[]> {
  return writeHeld(tx, consumerId, jobs, handedBack, sql.setReleased);
}

/** A job given back to the queue (released, snoozed): pending again, or cancelled when that was asked meanwhile. */
function handedBack(job: { id: string }, row: Held, cancel: boolean) {
  return { id: job.id, pipeline_id: row.pipeline_id, state: cancel ? 'cancelled' : 'pending', cancel: cancel ? 1 : 0 };
}

/** Leases of the rows still held, extended; whether a cancel was requested for each. */
export async function renew(
  tx: Executor,
  consumerId: string,
  leaseMs: number,
  jobs: readonly { id: string; attempt: number }[],
) {
  const rows = await heldRows(tx, consumerId, jobs);
  if (rows.length)
    await run(
      tx,
      sql.extendLeases(
        rows.map((h) => h.job.id),
        leaseMs,
      ),
    );
  return rows.map(({ row }) => ({ id: row.id, cancel_requested: truthy(row.cancel_requested) }));
}

/** A tinyint(1) as the driver returns it. */
export function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1';
}

export function ended(r: { id: string; pipeline_id: unknown; state: string }): EndedRow {
  return { id: r.id, pipeline_id: r.pipeline_id, state: r.state };
}
