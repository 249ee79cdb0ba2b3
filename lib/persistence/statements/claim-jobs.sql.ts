import { JOB_TABLE } from '../job.entity.js';
import { type Dialect, type Sql, Params, now, nowPlus } from '../sql.util.js';

export interface ClaimFilter {
  consumerId: string;
  limit: number;
  leaseMs: number;
  /** Only these names (already the consumer's handlers minus its exclude list). */
  names: readonly string[];
  queues?: readonly string[];
}

/**
 * Claims up to `limit` due jobs in one statement: priority first (higher runs first), then
 * `run_after`, then id. Each claim starts an attempt and takes a lease.
 * PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent claimers never wait on or share a row.
 * SQLite: one UPDATE ... WHERE id IN (SELECT ...) under SQLite's single-writer lock; a second
 * process waits on `busy_timeout` and then sees the rows already running.
 */
export function claimJobs(dialect: Dialect, f: ClaimFilter): Sql {
  const p = new Params(dialect);
  const set = (pp: Params) =>
    `state = 'running', attempts = attempts + 1, locked_by = ${pp.add(f.consumerId)},
     lease_until = ${nowPlus(dialect, pp.add(f.leaseMs))}, started_at = ${now(dialect)}, cancel_requested = false`;
  const where = (pp: Params) => {
    let w = `state = 'pending' AND run_after <= ${now(dialect)} AND name ${pp.list(f.names, 'text')}`;
    if (f.queues?.length) w += ` AND queue ${pp.list(f.queues, 'text')}`;
    return w;
  };
  if (dialect === 'postgresql') {
    const due = `SELECT id FROM ${JOB_TABLE} WHERE ${where(p)}
      ORDER BY priority DESC, run_after, id LIMIT ${p.add(f.limit)} FOR UPDATE SKIP LOCKED`;
    // `= ANY(ARRAY(...))`, not a join with `due`: the ids are collected once and the rows found by
    // primary key, whatever the statistics say. A join planned on a freshly filled, not yet analysed
    // table re-scanned it per row (bench noop-drain, 20,000 jobs: 17 ms per claim of ~400 jobs).
    const sql = `WITH due AS (${due})
      UPDATE ${JOB_TABLE} j SET ${set(p)}
      WHERE j.id = ANY(ARRAY(SELECT id FROM due)) RETURNING j.*`;
    return p.sql(sql);
  }
  // SQLite binds `?` in textual order: SET comes before the sub-select.
  const s = set(p);
  const sql = `UPDATE ${JOB_TABLE} SET ${s}
    WHERE id IN (SELECT id FROM ${JOB_TABLE} WHERE ${where(p)}
      ORDER BY priority DESC, run_after, id LIMIT ${p.add(f.limit)})
    RETURNING *`;
  return p.sql(sql);
}
