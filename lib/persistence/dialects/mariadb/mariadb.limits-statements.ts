import { JOB_TABLE } from '../../job.entity.js';
import { JOB_START_TABLE } from '../../job-start.entity.js';
import { QUEUE_CONTROL_TABLE } from '../../queue-control.entity.js';
import type { Sql } from '../../sql.util.js';
import {
  pruneStarts,
  rateScopes,
  unitCounts,
  unitWhere,
  type LimitedClaimSyntax,
} from '../../statements/limited-claim.sql.js';
import { prunableJobs, type PruneRule } from '../../statements/prune.sql.js';
import { CLAIM_ORDER_SQL, CLAIMED_COLUMNS, type ClaimFilter, type ClaimUnit } from '../../store.types.js';
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

/** Drops the starts of the unit's rate-limited name and queue older than their windows. */
export function deleteOldStarts(u: ClaimUnit): Sql[] {
  return rateScopes(u).map((r) => {
    const p = syntax.params();
    return p.sql(pruneStarts(p, LIMITED, r.scope, r.key, r.perMs));
  });
}

/** What each of the unit's limits leaves room for (its cap minus what it counts), as one row of `room0`, `room1`... */
export function countLimits(u: ClaimUnit): Sql {
  const p = syntax.params();
  const counts = unitCounts(p, LIMITED, u).map(([max, count], i) => `${p.add(max)} - ${count} AS room${i}`);
  return p.sql(`SELECT ${counts.join(', ')}`);
}

/** The running jobs of the name per concurrency key (index queue_job_running_key_idx). */
export function countRunningPerKey(name: string): Sql {
  const p = syntax.params();
  return p.sql(`SELECT concurrency_key, count(*) AS n FROM ${JOB_TABLE}
    WHERE state = 'running' AND name = ${p.add(name)} AND concurrency_key IS NOT NULL GROUP BY concurrency_key`);
}

/**
 * Due jobs of one unit in claim order, locked, skipping rows another claimer holds, and skipping
 * the keys in `held` (at their `perKey` limit). Up to `window` rows: the caller keeps what the
 * limits allow; the rest stay pending (their locks end with the transaction).
 */
export function selectLimitedCandidates(
  f: ClaimFilter,
  u: ClaimUnit,
  paused: readonly string[],
  held: readonly string[],
  window: number,
): Sql {
  const p = syntax.params();
  let where = unitWhere(p, NOW, f, u);
  if (paused.length) where += ` AND j.queue NOT ${p.list(paused, 'text')}`;
  if (held.length) where += ` AND (j.concurrency_key IS NULL OR j.concurrency_key NOT ${p.list(held, 'text')})`;
  return p.sql(`SELECT ${CLAIMED_COLUMNS.map((c) => `j.${c}`).join(', ')}, j.concurrency_key FROM ${JOB_TABLE} j WHERE ${where}
    ORDER BY ${CLAIM_ORDER_SQL} LIMIT ${p.add(window)} FOR UPDATE SKIP LOCKED`);
}

/** One start per claimed job for each of the unit's rate limits, at the clock the claim marked them with. */
export function insertStarts(u: ClaimUnit, n: number): Sql[] {
  return rateScopes(u).map((r) => {
    const p = syntax.params();
    const rows = Array.from({ length: n }, () => `('${r.scope}', ${p.add(r.key)}, ${NOW})`);
    return p.sql(`INSERT INTO ${JOB_START_TABLE} (scope, name, started_at) VALUES ${rows.join(', ')}`);
  });
}

/**
 * Deletes up to `limit` plain jobs of `rule.state` past the rule, oldest first: MariaDB's DELETE
 * takes ORDER BY and LIMIT itself (it has no LIMIT inside an IN sub-select).
 */
export function pruneJobs(rule: PruneRule, limit: number): Sql {
  const p = syntax.params();
  return p.sql(`DELETE FROM ${JOB_TABLE} WHERE ${prunableJobs(syntax, p, rule)}
    ORDER BY finished_at LIMIT ${p.add(limit)} RETURNING id`);
}
