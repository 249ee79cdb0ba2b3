import type { Kysely } from 'kysely';
import type { JobRow, JobsDialect } from './jobs-dialect.js';
import type { ClaimFilter } from './store.types.js';

/**
 * The rows of one claim: names with limits first (`claimLimited`, bounded by their limits, so they
 * cannot starve the others), then the other names for what is left, in the plain claim statement
 * that pays nothing for limits.
 */
export async function claimRows(d: JobsDialect, db: Kysely<any>, filter: ClaimFilter): Promise<JobRow[]> {
  const limits = filter.limits ?? [];
  if (limits.length === 0) return d.claim(db, filter);
  const limited = new Set(limits.map((l) => l.name));
  const rows = await d.claimLimited(db, filter, limits);
  const names = filter.names.filter((n) => !limited.has(n));
  const left = filter.limit - rows.length;
  if (names.length && left > 0) rows.push(...(await d.claim(db, { ...filter, names, limit: left })));
  return rows;
}
