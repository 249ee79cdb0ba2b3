import { JOB_TABLE } from '../job.entity.js';
import { JOB_START_TABLE } from '../job-start.entity.js';
import type { Params, SqlSyntax } from '../sql.util.js';
import { CLAIM_ORDER_SQL, type ClaimFilter, type ClaimUnit, type LimitCaps } from '../store.types.js';
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

/** The rows a unit claims from (paused queues aside): due, its names, its queue (or none of the limited ones), the consumer's queues. */
export function unitWhere(p: Params, now: string, f: ClaimFilter, u: ClaimUnit): string {
  let where = `j.state = 'pending' AND j.run_after <= ${now}`;
  where += u.name ? ` AND j.name = ${p.add(u.name.name)}` : ` AND j.name ${p.list(u.names, 'text')}`;
  if (u.queue) where += ` AND j.queue = ${p.add(u.queue.queue)}`;
  else if (u.notQueues.length) where += ` AND NOT (j.queue ${p.list(u.notQueues, 'text')})`;
  if (f.queues?.length) where += ` AND j.queue ${p.list(f.queues, 'text')}`;
  return where;
}

/**
 * The running jobs (`running`) and recent starts (`started`) each of a unit's limits counts, as
 * scalar sub-selects: `[cap, count]` pairs. `lease_until IS NOT NULL`: running rows, found through
 * the leased index.
 */
export function unitCounts(p: Params, s: LimitedClaimSyntax, u: ClaimUnit): [number, string][] {
  const out: [number, string][] = [];
  // A scope is also the column of `queue_job` its running jobs are counted by (`name` or `queue`).
  const running = (col: StartScope, value: string) =>
    `(SELECT count(*) FROM ${JOB_TABLE} WHERE lease_until IS NOT NULL AND state = 'running' AND ${col} = ${p.add(value)})`;
  const started = (scope: StartScope, key: string, perMs: number) =>
    `(SELECT count(*) FROM ${JOB_START_TABLE} WHERE scope = '${scope}' AND name = ${p.add(key)} AND started_at > ${s.clock.nowMinus(p.add(perMs))})`;
  for (const [scope, caps, key] of unitScopes(u)) {
    if (caps.maxRunning !== undefined) out.push([caps.maxRunning, running(scope, key)]);
    if (caps.rateMax !== undefined) out.push([caps.rateMax, started(scope, key, caps.ratePerMs!)]);
  }
  return out;
}

/** Whose starts a row of `queue_job_start` counts (`JobStartEntity.scope`). */
export type StartScope = 'name' | 'queue';

/** The limits a unit answers to: its name's and its queue's, each with the key its counts go by. */
export function unitScopes(u: ClaimUnit): [StartScope, LimitCaps, string][] {
  const out: [StartScope, LimitCaps, string][] = [];
  if (u.name) out.push(['name', u.name, u.name.name]);
  if (u.queue) out.push(['queue', u.queue, u.queue.queue]);
  return out;
}

/**
 * The common table expressions of a claim of up to `limit` due jobs of one unit (a limited name, or
 * the other names in a limited queue), ending in `picked` (their ids). The caller runs it where no
 * other limited claim can run at the same time (a transaction holding an advisory lock, or a
 * database-wide write lock), so the counts it reads (running jobs of the name or queue, running jobs
 * per key, starts in the window) cannot change before its claim commits. A job held back stays
 * pending; jobs behind it are still picked (keys at their limit are skipped by the candidate filter,
 * the rate and running caps only cut the count).
 */
export function pickLimited(p: Params, s: LimitedClaimSyntax, f: ClaimFilter, u: ClaimUnit, limit: number): string {
  // Typed: PostgreSQL cannot infer a parameter's type inside LEAST.
  const int = (value: number) => `CAST(${p.add(value)} AS bigint)`;
  const caps = [int(limit), ...unitCounts(p, s, u).map(([max, count]) => `${int(max)} - ${count}`)];
  const cap = caps.length === 1 ? caps[0] : `${s.greatest}(0, ${s.least}(${caps.join(', ')}))`;
  let where = `${unitWhere(p, s.clock.now, f, u)} AND ${notPaused('j.')}`;
  const perKey = u.name?.perKey;
  if (perKey === undefined) {
    return `cand AS (SELECT id FROM ${JOB_TABLE} j WHERE ${where} ORDER BY ${CLAIM_ORDER_SQL} LIMIT ${p.add(limit)}${s.skipLocked}),
      picked AS (SELECT id FROM cand LIMIT (SELECT ${cap}))`;
  }
  const name = p.add(u.name!.name);
  const perKeyParam = p.add(perKey);
  // `running`: the keys of this name with running jobs, counted once (index queue_job_running_key_idx);
  // `held`: those at their limit, skipped by the walk of the backlog through one hashed lookup per row.
  where += ` AND (j.concurrency_key IS NULL OR j.concurrency_key NOT IN (SELECT concurrency_key FROM held))`;
  const window = p.add(limit * CANDIDATES_PER_SLOT + 10);
  return `running AS (SELECT concurrency_key, count(*) AS n FROM ${JOB_TABLE}
        WHERE state = 'running' AND concurrency_key IS NOT NULL AND name = ${name} GROUP BY concurrency_key),
      held AS (SELECT concurrency_key FROM running WHERE n >= ${perKeyParam}),
      cand AS (SELECT id, concurrency_key, priority, run_after FROM ${JOB_TABLE} j WHERE ${where}
        ORDER BY ${CLAIM_ORDER_SQL} LIMIT ${window}${s.skipLocked}),
      ranked AS (SELECT id, concurrency_key, priority, run_after,
        row_number() OVER (PARTITION BY concurrency_key ORDER BY ${CLAIM_ORDER_SQL}) AS rk FROM cand),
      picked AS (SELECT k.id FROM ranked k LEFT JOIN running r ON r.concurrency_key = k.concurrency_key
        WHERE k.concurrency_key IS NULL OR k.rk + COALESCE(r.n, 0) <= ${perKeyParam}
        ORDER BY ${CLAIM_ORDER_SQL.split(', ')
          .map((c) => `k.${c}`)
          .join(', ')} LIMIT (SELECT ${cap}))`;
}

/** Deletes the starts of a rate-limited name or queue older than its window: the table holds at most about a window of starts per limit. */
export function pruneStarts(p: Params, s: LimitedClaimSyntax, scope: StartScope, key: string, perMs: number): string {
  return `DELETE FROM ${JOB_START_TABLE} WHERE scope = '${scope}' AND name = ${p.add(key)} AND started_at <= ${s.clock.nowMinus(p.add(perMs))}`;
}

/** The rate limits of a unit: whose starts its claim prunes and records. */
export function rateScopes(u: ClaimUnit): { scope: StartScope; key: string; perMs: number }[] {
  return unitScopes(u)
    .filter(([, caps]) => caps.rateMax !== undefined)
    .map(([scope, caps, key]) => ({ scope, key, perMs: caps.ratePerMs! }));
}
