import type { Kysely } from 'kysely';
import type { JobRow, JobsDialect } from './jobs-dialect.js';
import type { ClaimFilter, ClaimUnit } from './store.types.js';

/**
 * The rows of one claim: jobs under limits first (`claimLimited`, bounded by their limits, so they
 * cannot starve the others), then the other names outside the limited queues for what is left, in
 * the plain claim statement that pays nothing for limits.
 */
export async function claimRows(d: JobsDialect, db: Kysely<any>, filter: ClaimFilter): Promise<JobRow[]> {
  const units = claimUnits(filter);
  if (units === undefined) return d.claim(db, filter);
  const rows = units.length ? await d.claimLimited(db, filter, units) : [];
  const limited = new Set((filter.limits ?? []).map((l) => l.name));
  const names = filter.names.filter((n) => !limited.has(n));
  const left = filter.limit - rows.length;
  const notQueues = limitedQueues(filter).map((q) => q.queue);
  if (names.length && left > 0) rows.push(...(await d.claim(db, { ...filter, names, notQueues, limit: left })));
  return rows;
}

/** The queue limits that apply to this consumer (those of the queues it claims from). */
function limitedQueues(filter: ClaimFilter) {
  const { queues } = filter;
  return (filter.queueLimits ?? []).filter((q) => !queues?.length || queues.includes(q.queue));
}

/**
 * The parts of a limited claim, or undefined when nothing the consumer claims is limited. A limited
 * name is claimed from each limited queue under both limits, and from the other queues under its
 * own; the other names are claimed from each limited queue under the queue's limits. A job is thus
 * in exactly one part, or in none (the plain claim).
 */
export function claimUnits(filter: ClaimFilter): ClaimUnit[] | undefined {
  const limits = filter.limits ?? [];
  const queues = limitedQueues(filter);
  if (limits.length === 0 && queues.length === 0) return undefined;
  const notQueues = queues.map((q) => q.queue);
  const limited = new Set(limits.map((l) => l.name));
  const free = filter.names.filter((n) => !limited.has(n));
  const units: ClaimUnit[] = [];
  for (const name of limits) {
    for (const queue of queues) units.push({ name, names: [name.name], queue, notQueues: [] });
    units.push({ name, names: [name.name], notQueues });
  }
  if (free.length) for (const queue of queues) units.push({ names: free, queue, notQueues: [] });
  return units;
}
