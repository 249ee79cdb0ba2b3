import { run, type Executor } from '../../sql.util.js';
import type { JobRow } from '../../jobs-dialect.js';
import type { ClaimFilter, ClaimUnit } from '../../store.types.js';
import { unitScopes } from '../../statements/limited-claim.sql.js';
import * as limits from './mariadb.limits-statements.js';
import { markClaimed } from './mariadb.statements.js';

/**
 * How many candidates a claim of a name with `perKey` locks in claim order before it keeps at most
 * `perKey` per key (minus those running), as on the other databases: a backlog of one busy key costs
 * one bounded read, and the next claim skips that key (at its limit) to reach the others.
 */
const CANDIDATES_PER_SLOT = 4;

/**
 * A named lock of this database (`GET_LOCK` names are server-wide: the database's name is part of
 * it, hashed to fit the 64 characters allowed). Held by a connection until released.
 */
const LOCK_NAME = `SHA1(CONCAT(DATABASE(), ':', ?))`;

/** Takes the named lock `purpose` on this connection, waiting up to `waitS` seconds; false if another holds it. */
export async function getLock(ex: Executor, purpose: string, waitS: number): Promise<boolean> {
  const [row] = await run<{ ok: unknown }>(ex, {
    sql: `SELECT GET_LOCK(${LOCK_NAME}, ?) AS ok`,
    params: [purpose, waitS],
  });
  return Number(row?.ok) === 1;
}

export async function releaseLock(ex: Executor, purpose: string): Promise<void> {
  await run(ex, { sql: `SELECT RELEASE_LOCK(${LOCK_NAME}) AS ok`, params: [purpose] });
}

/**
 * Claims up to `limit` due jobs of one unit (a limited name, or the other names of a limited queue),
 * in the caller's transaction, which holds the limited-claim lock taken before it began: the counts
 * read here (running jobs of the name or queue, per key, starts in the windows) are those every
 * earlier limited claim committed, and no other can change them (only a claim makes a job running)
 * before this one commits. Reads the counts, locks candidates `SKIP LOCKED` (keys at their limit
 * left out), keeps those the limits allow in claim order, marks them running and records their
 * starts. A job held back stays pending.
 */
export async function claimLimitedUnit(
  tx: Executor,
  f: ClaimFilter,
  u: ClaimUnit,
  limit: number,
  paused: readonly string[],
): Promise<JobRow[]> {
  for (const q of limits.deleteOldStarts(u)) await run(tx, q);
  let cap = limit;
  if (unitScopes(u).some(([, c]) => c.maxRunning !== undefined || c.rateMax !== undefined)) {
    const [room] = await run<Record<string, unknown>>(tx, limits.countLimits(u));
    for (const v of Object.values(room!)) cap = Math.min(cap, Number(v));
  }
  if (cap <= 0) return [];
  const perKey = u.name?.perKey;
  const running = new Map<string, number>();
  if (perKey !== undefined) {
    for (const r of await run<{ concurrency_key: string; n: unknown }>(tx, limits.countRunningPerKey(u.name!.name)))
      running.set(r.concurrency_key, Number(r.n));
  }
  const held = [...running].filter(([, n]) => n >= perKey!).map(([key]) => key);
  const window = perKey === undefined ? cap : cap * CANDIDATES_PER_SLOT + 10;
  const candidates = await run<JobRow>(tx, limits.selectLimitedCandidates(f, u, paused, held, window));
  const picked: JobRow[] = [];
  for (const row of candidates) {
    if (picked.length >= cap) break;
    const key = row.concurrency_key as string | null;
    if (key !== null && perKey !== undefined) {
      const n = running.get(key) ?? 0;
      if (n >= perKey) continue;
      running.set(key, n + 1);
    }
    picked.push(row);
  }
  if (picked.length === 0) return [];
  await run(
    tx,
    markClaimed(
      picked.map((r) => String(r.id)),
      f.consumerId,
      f.leaseMs,
    ),
  );
  for (const q of limits.insertStarts(u, picked.length)) await run(tx, q);
  return picked.map(({ concurrency_key: _, ...r }) => ({ ...r, attempts: Number(r.attempts) + 1 }));
}
