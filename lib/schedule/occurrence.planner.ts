import type { NextOccurrence } from './cron.loader.js';
import { missedRuns, type MissedPolicy } from './missed-policy.js';

/** What a consumer does for one due schedule: enqueue `runs` (oldest first), then wait for `next`. */
export interface OccurrencePlan {
  runs: Date[];
  /** The first occurrence after now: the schedule's new `nextRunAt`. */
  next: Date;
}

/**
 * Plans a schedule whose next run (`from`, an occurrence) has come: the occurrences due are those
 * from `from` to `now`. The latest of them runs if it is at most `graceMs` late; every other one
 * is missed (a later one came before it was enqueued, or it is older than the grace), and the
 * policy says how many of the last missed ones run. Never plans an occurrence after `now`.
 */
export function planOccurrences(
  next: NextOccurrence,
  from: Date,
  now: Date,
  policy: MissedPolicy,
  graceMs: number,
): OccurrencePlan {
  const upcoming = next(now);
  if (from.getTime() > now.getTime()) return { runs: [], next: from };
  const [latest] = lastOccurrences(next, from.getTime(), now.getTime(), 1);
  if (!latest) return { runs: [], next: upcoming };
  const current = now.getTime() - latest.getTime() <= graceMs ? latest : undefined;
  const missedUntil = current ? current.getTime() - 1 : now.getTime();
  const keep = missedRuns(policy);
  const missed = keep > 0 ? lastOccurrences(next, from.getTime(), missedUntil, keep) : [];
  return { runs: current ? [...missed, current] : missed, next: upcoming };
}

/**
 * The last `n` occurrences between `fromMs` and `toMs` (both included), oldest first. Looks back
 * from `toMs` over a window that grows eightfold until it holds `n` of them or reaches `fromMs`, so
 * a schedule missed for months is not walked occurrence by occurrence from the start.
 */
export function lastOccurrences(next: NextOccurrence, fromMs: number, toMs: number, n: number): Date[] {
  if (toMs < fromMs) return [];
  for (let span = 60_000; ; span *= 8) {
    const start = Math.max(fromMs, toMs - span);
    const found: Date[] = [];
    for (let t = next(new Date(start - 1)); t.getTime() <= toMs; t = next(t)) {
      found.push(t);
      if (found.length > n) found.shift();
    }
    if (found.length >= n || start === fromMs) return found;
  }
}
