import { JOB_TABLE } from '../job.entity.js';
import { JOB_START_TABLE } from '../job-start.entity.js';
import type { Params, SqlSyntax } from '../sql.util.js';
import { CLAIM_ORDER_SQL, type ClaimFilter, type JobLimit } from '../store.types.js';
import { notPaused } from './queue-control.sql.js';

/** How a dialect writes the pieces of a limited claim that differ. */
export interface LimitedClaimSyntax {
  /** The clock of the claim: the time a statement runs, not when its transaction began (PostgreSQL's now()). */
  clock: Pick<SqlSyntax, 'now' | 'nowMinus'>;
  /** The smallest and largest of several values (`LEAST`/`GREATEST`, SQLite's `min`/`max`). */
  least: string;
  greatest: string;
  /** Locks the candidate rows, skipping locked ones (`FOR UPDATE SKIP LOCKED`), or `''` under a database-wide write lock. */
  skipLocked: string;
}

/**
 * How many candidates a claim of a name with `perKey` reads in claim order before it keeps at most
 * `perKey` per key (minus those running): a backlog of one busy key then costs one bounded read, and
 * the next claim skips that key (its running count is at the limit) to reach the others.
 */
const CANDIDATES_PER_SLOT = 4;

/**
 * The common table expressions of a claim of up to `limit` due jobs of one limited name, ending in
 * `picked` (their ids). The caller runs it where no other claim of the same name can run at the same
 * time (a transaction holding an advisory lock, or a database-wide write lock), so the counts it reads
 * (running jobs, running jobs per key, starts in the window) cannot change before its claim commits.
 * A job held back stays pending; jobs behind it are still picked (keys at their limit are skipped
 * by the candidate filter, the rate and running caps only cut the count).
 */
export function pickLimited(p: Params, s: LimitedClaimSyntax, f: ClaimFilter, lim: JobLimit, limit: number): string {
  const name = p.add(lim.name);
  // Typed: PostgreSQL cannot infer a parameter's type inside LEAST.
  const int = (value: number) => `CAST(${p.add(value)} AS bigint)`;
  const caps = [int(limit)];
  if (lim.maxRunning !== undefined) {
    // `lease_until IS NOT NULL`: running rows, found through the leased index.
    caps.push(
      `${int(lim.maxRunning)} - (SELECT count(*) FROM ${JOB_TABLE} WHERE lease_until IS NOT NULL AND state = 'running' AND name = ${name})`,
    );
  }
  if (lim.rateMax !== undefined) {
    caps.push(
      `${int(lim.rateMax)} - (SELECT count(*) FROM ${JOB_START_TABLE} WHERE name = ${name} AND started_at > ${s.clock.nowMinus(p.add(lim.ratePerMs))})`,
    );
  }
  const cap = caps.length === 1 ? caps[0] : `${s.greatest}(0, ${s.least}(${caps.join(', ')}))`;
  let where = `j.state = 'pending' AND j.run_after <= ${s.clock.now} AND j.name = ${name} AND ${notPaused('j.')}`;
  if (f.queues?.length) where += ` AND j.queue ${p.list(f.queues, 'text')}`;
  if (lim.perKey === undefined) {
    return `cand AS (SELECT id FROM ${JOB_TABLE} j WHERE ${where} ORDER BY ${CLAIM_ORDER_SQL} LIMIT ${p.add(limit)}${s.skipLocked}),
      picked AS (SELECT id FROM cand LIMIT (SELECT ${cap}))`;
  }
  const perKey = p.add(lim.perKey);
  // `running`: the keys of this name with running jobs, counted once (index queue_job_running_key_idx);
  // `held`: those at their limit, skipped by the walk of the backlog through one hashed lookup per row.
  where += ` AND (j.concurrency_key IS NULL OR j.concurrency_key NOT IN (SELECT concurrency_key FROM held))`;
  const window = p.add(limit * CANDIDATES_PER_SLOT + 10);
  return `running AS (SELECT concurrency_key, count(*) AS n FROM ${JOB_TABLE}
        WHERE state = 'running' AND concurrency_key IS NOT NULL AND name = ${name} GROUP BY concurrency_key),
      held AS (SELECT concurrency_key FROM running WHERE n >= ${perKey}),
      cand AS (SELECT id, concurrency_key, priority, run_after FROM ${JOB_TABLE} j WHERE ${where}
        ORDER BY ${CLAIM_ORDER_SQL} LIMIT ${window}${s.skipLocked}),
      ranked AS (SELECT id, concurrency_key, priority, run_after,
        row_number() OVER (PARTITION BY concurrency_key ORDER BY ${CLAIM_ORDER_SQL}) AS rk FROM cand),
      picked AS (SELECT k.id FROM ranked k LEFT JOIN running r ON r.concurrency_key = k.concurrency_key
        WHERE k.concurrency_key IS NULL OR k.rk + COALESCE(r.n, 0) <= ${perKey}
        ORDER BY ${CLAIM_ORDER_SQL.split(', ')
          .map((c) => `k.${c}`)
          .join(', ')} LIMIT (SELECT ${cap}))`;
}

/** Deletes starts of `name` older than its window: the table holds at most about a window of starts per rate-limited name. */
export function pruneStarts(p: Params, s: LimitedClaimSyntax, lim: JobLimit): string {
  return `DELETE FROM ${JOB_START_TABLE} WHERE name = ${p.add(lim.name)} AND started_at <= ${s.clock.nowMinus(p.add(lim.ratePerMs))}`;
}
