import type { CompletedJob, SnoozedJob } from '../store.types.js';
import type { Sql, SqlSyntax } from '../sql.util.js';

/**
 * Every fenced statement (here `completeJobs`, `releaseJobs` and `renewLeases`; `failJobs` and `rescueExpired` in each dialect's folder) changes a row only while
 * this consumer still holds the job's lease for this very attempt (`locked_by` and `attempts` match
 * and the job is running). A consumer that lost its lease (paused, cut off, rescued by another)
 * changes 0 rows. A cancel requested while the job ran always wins: the job ends `cancelled`.
 */

/** The fence of a fenced write, for the jobs matched by `keyedRows`. */
export function fence(j: string, match: string, attempt: string, owner: string): string {
  return `WHERE ${match} AND ${j}attempts = ${attempt} AND ${j}locked_by = ${owner}
      AND ${j}state = 'running'`;
}

export function completeJobs(syntax: SqlSyntax, consumerId: string, jobs: readonly CompletedJob[]): Sql {
  const p = syntax.params();
  const owner = p.add(consumerId);
  const j = syntax.target.ref;
  const { from, match, col } = syntax.keyedRows(p, jobs, { attempt: 'int', output: 'json' });
  const output = col('output');
  const sql = `
    UPDATE ${syntax.target.table}
    SET state = CASE WHEN ${j}cancel_requested THEN 'cancelled' ELSE 'completed' END,
      output = ${output}, finished_at = ${syntax.now}, locked_by = NULL, lease_until = NULL
    ${from}
    ${fence(j, match, col('attempt'), owner)}
    RETURNING ${j}id, ${j}pipeline_id, ${j}state`;
  return p.sql(sql);
}

/**
 * Hands jobs back without using up an attempt (shutdown after the grace period): pending again,
 * due at once. A job whose cancel was requested ends cancelled instead.
 */
export function releaseJobs(
  syntax: SqlSyntax,
  consumerId: string,
  jobs: readonly { id: string; attempt: number }[],
): Sql {
  const p = syntax.params();
  const owner = p.add(consumerId);
  const j = syntax.target.ref;
  const { from, match, col } = syntax.keyedRows(p, jobs, { attempt: 'int' });
  const sql = `
    UPDATE ${syntax.target.table}
    SET state = CASE WHEN ${j}cancel_requested THEN 'cancelled' ELSE 'pending' END,
      attempts = CASE WHEN ${j}cancel_requested THEN ${j}attempts ELSE ${j}attempts - 1 END,
      finished_at = CASE WHEN ${j}cancel_requested THEN ${syntax.now} ELSE NULL END,
      run_after = ${syntax.now}, locked_by = NULL, lease_until = NULL
    ${from}
    ${fence(j, match, col('attempt'), owner)}
    RETURNING ${j}id, ${j}pipeline_id, ${j}state`;
  return p.sql(sql);
}

/**
 * Ends snoozed attempts without counting them: pending again, due `delay_ms` after the database
 * clock, `attempts` back by one, a `snoozed` entry in the log. A job whose cancel was requested
 * ends cancelled instead.
 */
export function snoozeJobs(syntax: SqlSyntax, consumerId: string, jobs: readonly SnoozedJob[]): Sql {
  const p = syntax.params();
  const owner = p.add(consumerId);
  const j = syntax.target.ref;
  const { from, match, col } = syntax.keyedRows(p, jobs, { attempt: 'int', delay_ms: 'bigint', log: 'json' });
  const cancel = `${j}cancel_requested`;
  const sql = `
    UPDATE ${syntax.target.table}
    SET state = CASE WHEN ${cancel} THEN 'cancelled' ELSE 'pending' END,
      attempts = CASE WHEN ${cancel} THEN ${j}attempts ELSE ${j}attempts - 1 END,
      finished_at = CASE WHEN ${cancel} THEN ${syntax.now} ELSE NULL END,
      run_after = CASE WHEN ${cancel} THEN ${j}run_after ELSE ${syntax.nowPlus(col('delay_ms'))} END,
      attempt_log = ${syntax.appendLog(`${j}attempt_log`, col('log'))},
      locked_by = NULL, lease_until = NULL
    ${from}
    ${fence(j, match, col('attempt'), owner)}
    RETURNING ${j}id, ${j}pipeline_id, ${j}state`;
  return p.sql(sql);
}

/**
 * Renews this consumer's leases on its running jobs. A job missing from the result was lost
 * (rescued by another consumer, or finished by a cancel): its handler must be aborted.
 * `cancel_requested` tells the consumer to abort a handler because someone cancelled the job.
 */
export function renewLeases(
  syntax: SqlSyntax,
  consumerId: string,
  leaseMs: number,
  jobs: readonly { id: string; attempt: number }[],
): Sql {
  const p = syntax.params();
  const owner = p.add(consumerId);
  const until = syntax.nowPlus(p.add(leaseMs));
  const j = syntax.target.ref;
  const { from, match, col } = syntax.keyedRows(p, jobs, { attempt: 'int' });
  const sql = `
    UPDATE ${syntax.target.table} SET lease_until = ${until}
    ${from}
    ${fence(j, match, col('attempt'), owner)}
    RETURNING ${j}id, ${j}cancel_requested`;
  return p.sql(sql);
}
