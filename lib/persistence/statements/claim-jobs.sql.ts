import { JOB_TABLE } from '../job.entity.js';
import { type Dialect, type Sql, Params, now, nowPlus } from '../sql.util.js';

export interface ClaimFilter {
  consumerId: string;
  limit: number;
  leaseMs: number;
  /** Only these names (already the consumer's handlers minus its exclude list). */
  names: readonly string[];
  queues?: readonly string[];
  /**
   * PostgreSQL: claim with the planner held to the claim index's order (CLAIM_PLAN_SETTINGS). Worth
   * its two extra round trips while there is a backlog; an idle consumer's claims go without.
   */
  guardPlan?: boolean;
}

/**
 * Walk the claim index in order and stop after `limit` rows. Without table statistics (a fresh or
 * suddenly grown table: autovacuum analyses it only at its next round, up to a minute later) the
 * planner takes the name filter for very selective and picks a bitmap scan of every due row plus a
 * sort: each claim then reads the whole backlog (bench noop-drain, 20,000 jobs: 11 ms of a 18 ms
 * claim of 500; EXPLAIN ANALYZE). No index has the name, so both plans read the due rows of other
 * names too; the ordered index scan stops at `limit`, but reads the heap in index order, where a
 * bitmap scan reads each page once: for a consumer of a rare name behind a large backlog of others,
 * the bitmap plan can be cheaper. Only claims made while a backlog lasts are guarded.
 */
export const CLAIM_PLAN_SETTINGS = ['enable_bitmapscan = off', 'enable_sort = off'] as const;

/**
 * What running a job needs (row.mapper.ts, ClaimedJob). On a drain of no-op jobs, receiving and
 * parsing every column of each claimed row was about a sixth of the consumer's CPU, and with 17
 * columns still 14% (cpu profile, bench noop-drain).
 */
const CLAIMED = ['id', 'name', 'queue', 'priority', 'input', 'attempts', 'max_attempts', 'timeout_ms', 'backoff', 'run_after', 'pipeline_id', 'step'];
const RETURNING_PG = CLAIMED.map((c) => `j.${c}`).join(', ');
const RETURNING_SQLITE = CLAIMED.join(', ');

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
      WHERE j.id = ANY(ARRAY(SELECT id FROM due)) RETURNING ${RETURNING_PG}`;
    return p.sql(sql);
  }
  // SQLite binds `?` in textual order: SET comes before the sub-select.
  const s = set(p);
  const sql = `UPDATE ${JOB_TABLE} SET ${s}
    WHERE id IN (SELECT id FROM ${JOB_TABLE} WHERE ${where(p)}
      ORDER BY priority DESC, run_after, id LIMIT ${p.add(f.limit)})
    RETURNING ${RETURNING_SQLITE}`;
  return p.sql(sql);
}
