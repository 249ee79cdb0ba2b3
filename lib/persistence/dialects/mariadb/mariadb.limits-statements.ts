import { JOB_TABLE } from '../../job.entity.js';
import { JOB_START_TABLE } from '../../job-start.entity.js';
import { QUEUE_CONTROL_TABLE } from '../../queue-control.entity.js';
import type { Sql } from '../../sql.util.js';
import { pruneStarts, type LimitedClaimSyntax } from '../../statements/limited-claim.sql.js';
import type { PruneRule } from '../../statements/prune.sql.js';
import { CLAIM_ORDER_SQL, CLAIMED_COLUMNS, type ClaimFilter, type JobLimit } from '../../store.types.js';
import { mariadbSyntax as syntax, NOW } from './mariadb.syntax.js';

/**
 * MariaDB's statements of pause, limits and retention. A locking SELECT cannot stand in a CTE or a
 * derived table on MariaDB, so the limited claim is several statements under one named lock (see
 * `MariadbDialect.claimLimited`): counts first, then the candidates locked `SKIP LOCKED`, then the
 * picked ones marked running.
 */

const LIMITED: LimitedClaimSyntax = {
  clock: syntax,
  least: 'LEAST',
  greatest: 'GREATEST',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
};

/** The paused queues: read by each claim in its transaction, before its locking read (a consistent read, no lock taken). */
export function selectPausedQueues(): Sql {
  return { sql: `SELECT queue FROM ${QUEUE_CONTROL_TABLE} WHERE paused ORDER BY queue`, params: [] };
}

/** Pauses or resumes a queue (an upsert on its primary key). */
export function setQueuePaused(queue: string, paused: boolean): Sql {
  const p = syntax.params();
  const flag = paused ? 'true' : 'false';
  return p.sql(`INSERT INTO ${QUEUE_CONTROL_TABLE} (queue, paused, updated_at) VALUES (${p.add(queue)}, ${flag}, ${NOW})
    ON DUPLICATE KEY UPDATE paused = ${flag}, updated_at = ${NOW}`);
}

/** Drops starts of the name older than its window. */
export function deleteOldStarts(lim: JobLimit): Sql {
  const p = syntax.params();
  return p.sql(pruneStarts(p, LIMITED, lim));
}

/** The running jobs of the name (`running`) and its starts within the rate window (`started`). */
export function countLimits(lim: JobLimit): Sql {
  const p = syntax.params();
  const name = p.add(lim.name);
  const running = `(SELECT count(*) FROM ${JOB_TABLE} WHERE state = 'running' AND name = ${name})`;
  const started =
    lim.rateMax === undefined
      ? '0'
      : `(SELECT count(*) FROM ${JOB_START_TABLE} WHERE name = ${name} AND started_at > ${syntax.nowMinus(p.add(lim.ratePerMs))})`;
  return p.sql(`SELECT ${running} AS running, ${started} AS started`);
}

/** The running jobs of the name per concurrency key (index queue_job_running_key_idx). */
export function countRunningPerKey(name: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT concurrency_key, count(*) AS n FROM ${JOB_TABLE}
    WHERE state = 'running' AND name = ${p.add(name)} AND concurrency_key IS NOT NULL GROUP BY concurrency_key`);
}

/**
 * Due jobs of one limited name in claim order, locked, skipping rows another claimer holds, and
 * skipping the keys in `held` (at their `perKey` limit). Up to `window` rows: the caller keeps what
 * the limits allow; the rest stay pending (their locks end with the transaction).
 */
export function selectLimitedCandidates(
  f: ClaimFilter,
  name: string,
  paused: readonly string[],
  held: readonly string[],
  window: number,
): Sql {
  const p = syntax.params();
  let where = `state = 'pending' AND run_after <= ${NOW} AND name = ${p.add(name)}`;
  if (f.queues?.length) where += ` AND queue ${p.list(f.queues, 'text')}`;
  if (paused.length) where += ` AND queue NOT ${p.list(paused, 'text')}`;
  if (held.length) where += ` AND (concurrency_key IS NULL OR concurrency_key NOT ${p.list(held, 'text')})`;
  return p.sql(`SELECT ${CLAIMED_COLUMNS.join(', ')}, concurrency_key FROM ${JOB_TABLE} WHERE ${where}
    ORDER BY ${CLAIM_ORDER_SQL} LIMIT ${p.add(window)} FOR UPDATE SKIP LOCKED`);
}

/** One start per claimed job of a rate-limited name, at the clock the claim marked them with. */
export function insertStarts(name: string, n: number): Sql {
  const p = syntax.params();
  const rows = Array.from({ length: n }, () => `(${p.add(name)}, ${NOW})`);
  return p.sql(`INSERT INTO ${JOB_START_TABLE} (name, started_at) VALUES ${rows.join(', ')}`);
}

/**
 * Deletes up to `limit` plain jobs of `rule.state` past the rule, oldest first: MariaDB's DELETE
 * takes ORDER BY and LIMIT itself (it has no LIMIT inside an IN sub-select).
 */
export function pruneJobs(rule: PruneRule, limit: number): Sql {
  const p = syntax.params();
  const state = p.add(rule.state);
  const past: string[] = [];
  if (rule.olderThanMs !== undefined) past.push(`finished_at < ${syntax.nowMinus(p.add(rule.olderThanMs))}`);
  if (rule.before) {
    const at = p.add(rule.before.finishedAt);
    past.push(`(finished_at < ${at} OR (finished_at = ${at} AND id < ${p.add(rule.before.id)}))`);
  }
  if (past.length === 0) past.push('1 = 0');
  return p.sql(`DELETE FROM ${JOB_TABLE}
    WHERE state = ${state} AND pipeline_id IS NULL AND finished_at IS NOT NULL AND (${past.join(' OR ')})
    ORDER BY finished_at LIMIT ${p.add(limit)} RETURNING id`);
}
