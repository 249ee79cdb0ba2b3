import { JOB_TABLE } from '../../job.entity.js';
import {
  CLAIM_ORDER_SQL,
  CLAIMED_COLUMNS,
  INSERT_COLUMNS,
  INSERTED_COLUMNS,
  type ClaimFilter,
  type FailedJob,
  type NewJobRow,
} from '../../store.types.js';
import type { Sql } from '../../sql.util.js';
import { fence } from '../../statements/finish-jobs.sql.js';
import { JOB_START_TABLE } from '../../job-start.entity.js';
import { pickLimited, pruneStarts, rateScopes, type LimitedClaimSyntax } from '../../statements/limited-claim.sql.js';
import { notPaused } from '../../statements/queue-control.sql.js';
import type { ClaimUnit } from '../../store.types.js';
import { postgresqlSyntax as syntax } from './postgresql.syntax.js';

/**
 * A claim commits without waiting for its WAL flush (`synchronous_commit` off for its own
 * transaction only): nothing is lost by it. A claim whose commit a server crash loses leaves its
 * jobs pending, to run again (at least once, as after any crash); the consumer's result for such a
 * job is fenced on the lost claim and dropped, and any result that commits flushes the WAL up to it,
 * the claim included. A guarded claim's transaction sets it with its planner settings (the
 * dialect's BEGIN_CLAIM): bench noop-drain, builds alternated three times: 28,616/27,029/27,238 ->
 * 30,448/28,011/27,831 jobs/s. An idle consumer's claim is a lone statement, where a `SET LOCAL`
 * would cost two more round trips: it sets it itself with `set_config(..., true)`, for the implicit
 * transaction of the statement (bench latency against graphile-worker, builds alternated three
 * times: p50 0.76/0.93/0.78x -> 0.63/0.75/0.70x, p99 1.17/1.28/0.78x -> 0.68/0.79/0.61x). So
 * does a guarded claim in the dialect's claim session (`claimSession`); one in a transaction sends
 * its BEGIN and `SET LOCAL`s anyway (`unsyncedCommit` false).
 */
const UNSYNCED_COMMIT = `SELECT set_config('synchronous_commit', 'off', true)`;

/**
 * Claims up to `limit` due jobs in one statement with `FOR UPDATE SKIP LOCKED`, so concurrent
 * claimers never wait on or share a row. Each claim starts an attempt and takes a lease.
 */
export function claimJobs(f: ClaimFilter, unsyncedCommit: boolean): Sql {
  const p = syntax.params();
  let where = `state = 'pending' AND run_after <= now() AND name ${p.list(f.names, 'text')} AND ${notPaused('')}`;
  if (f.queues?.length) where += ` AND queue ${p.list(f.queues, 'text')}`;
  if (f.notQueues?.length) where += ` AND NOT (queue ${p.list(f.notQueues, 'text')})`;
  const due = `SELECT id FROM ${JOB_TABLE} WHERE ${where}
      ORDER BY ${CLAIM_ORDER_SQL} LIMIT ${p.add(f.limit)} FOR UPDATE SKIP LOCKED`;
  // `= ANY(ARRAY(...))`, not a join with `due`: the ids are collected once and the rows found by
  // primary key, whatever the statistics say. A join planned on a freshly filled, not yet analysed
  // table re-scanned it per row (bench noop-drain, 20,000 jobs: 17 ms per claim of ~400 jobs).
  // A lone claim's `unsynced` (see UNSYNCED_COMMIT) is joined in, so it runs once, with the first row claimed.
  const [unsynced, join] = unsyncedCommit ? [`, unsynced AS (${UNSYNCED_COMMIT})`, ', unsynced'] : ['', ''];
  const sql = `WITH due AS (${due})${unsynced}
      UPDATE ${JOB_TABLE} j SET state = 'running', attempts = attempts + 1, locked_by = ${p.add(f.consumerId)},
     lease_until = ${syntax.nowPlus(p.add(f.leaseMs))}, started_at = now(), cancel_requested = false
      WHERE j.id = ANY(ARRAY(SELECT id FROM due${join})) RETURNING ${CLAIMED_COLUMNS.map((c) => `j.${c}`).join(', ')}`;
  return p.sql(sql);
}

/**
 * A claim of a limited name reads the clock as the statement runs: `now()` is when its transaction
 * began, before it waited for the limited-claim lock, and a start recorded that early would leave
 * its rate window early.
 */
const LIMITED: LimitedClaimSyntax = {
  clock: { now: 'clock_timestamp()', nowMinus: (ms) => `clock_timestamp() - ${ms}::bigint * interval '1 millisecond'` },
  least: 'LEAST',
  greatest: 'GREATEST',
  skipLocked: ' FOR UPDATE SKIP LOCKED',
};

/**
 * Claims up to `limit` due jobs of one unit (a limited name, or the other names of a limited queue;
 * see `pickLimited`) in one statement: drops its starts older than the rate windows, picks, claims,
 * and records the new starts. Run after taking the limited-claim lock, in the same transaction.
 */
export function claimLimitedJobs(f: ClaimFilter, u: ClaimUnit, limit: number): Sql {
  const p = syntax.params();
  const rates = rateScopes(u);
  const ctes = rates.map((r, i) => `gone${i} AS (${pruneStarts(p, LIMITED, r.scope, r.key, r.perMs)})`);
  ctes.push(pickLimited(p, LIMITED, f, u, limit));
  const now = LIMITED.clock.now;
  ctes.push(`upd AS (UPDATE ${JOB_TABLE} j SET state = 'running', attempts = attempts + 1, locked_by = ${p.add(f.consumerId)},
      lease_until = ${now} + ${p.add(f.leaseMs)}::bigint * interval '1 millisecond', started_at = ${now}, cancel_requested = false
      WHERE j.id = ANY(ARRAY(SELECT id FROM picked)) RETURNING ${CLAIMED_COLUMNS.map((c) => `j.${c}`).join(', ')})`);
  rates.forEach((r, i) =>
    ctes.push(
      `starts${i} AS (INSERT INTO ${JOB_START_TABLE} (scope, name, started_at) SELECT '${r.scope}', ${p.add(r.key)}, ${now} FROM upd)`,
    ),
  );
  return p.sql(`WITH ${ctes.join(',\n')} SELECT * FROM upd`);
}

/**
 * Records a failed attempt: the job retries after `delay_ms`, or ends failed when `final` (or
 * cancelled, if a cancel was requested). The attempt's log entry gets the database's clock.
 */
export function failJobs(consumerId: string, jobs: readonly FailedJob[]): Sql {
  const p = syntax.params();
  const owner = p.add(consumerId);
  const { from, match, col } = syntax.keyedRows(p, jobs, {
    attempt: 'int',
    final: 'boolean',
    delay_ms: 'bigint',
    error: 'json',
    log: 'json',
  });
  const ends = `(${col('final')} OR j.cancel_requested)`;
  const sql = `
    UPDATE ${JOB_TABLE} j
    SET state = CASE WHEN j.cancel_requested THEN 'cancelled' WHEN ${col('final')} THEN 'failed' ELSE 'pending' END,
      run_after = CASE WHEN ${ends} THEN j.run_after ELSE now() + ${col('delay_ms')} * interval '1 millisecond' END,
      finished_at = CASE WHEN ${ends} THEN now() ELSE NULL END,
      error = ${col('error')},
      attempt_log = j.attempt_log || jsonb_build_array(jsonb_set(${col('log')}, '{at}', to_jsonb(now()))),
      locked_by = NULL, lease_until = NULL
    ${from}
    ${fence('j.', match, col('attempt'), owner)}
    RETURNING j.id, j.pipeline_id, j.state`;
  return p.sql(sql);
}

/**
 * Rescues running jobs whose lease lapsed (their consumer died or froze): the lost attempt goes into
 * the job's history, and the job is due again at once if attempts remain, else it fails. Rows
 * another rescuer holds are skipped.
 */
export function rescueExpired(limit: number): Sql {
  const p = syntax.params();
  const message = `'consumer ' || COALESCE(j.locked_by, '?') || ' stopped renewing its lease (it crashed, froze or lost the database); attempt ' || j.attempts || ' was lost'`;
  const error = `jsonb_build_object('name', 'LeaseExpiredError', 'message', ${message})`;
  const entry = `jsonb_build_object('attempt', j.attempts, 'outcome', 'lost', 'consumer', j.locked_by, 'at', now(), 'error', ${error})`;
  const sql = `WITH lost AS (
        SELECT id FROM ${JOB_TABLE} WHERE state = 'running' AND lease_until < now()
        ORDER BY lease_until LIMIT ${p.add(limit)} FOR UPDATE SKIP LOCKED)
      UPDATE ${JOB_TABLE} j SET
    state = CASE WHEN j.cancel_requested THEN 'cancelled' WHEN j.attempts >= j.max_attempts THEN 'failed' ELSE 'pending' END,
    finished_at = CASE WHEN (j.cancel_requested OR j.attempts >= j.max_attempts) THEN now() ELSE NULL END,
    run_after = now(),
    error = ${error},
    attempt_log = j.attempt_log || jsonb_build_array(${entry}),
    locked_by = NULL, lease_until = NULL FROM lost WHERE j.id = lost.id
      RETURNING j.id, j.pipeline_id, j.state, j.name`;
  return p.sql(sql);
}

const COLUMN_TYPES: Record<Exclude<keyof NewJobRow, 'dedup'>, string> = {
  ord: 'int',
  name: 'text',
  queue: 'text',
  state: 'text',
  priority: 'int',
  input: 'text',
  max_attempts: 'int',
  backoff: 'text',
  timeout_ms: 'int',
  run_after: 'timestamptz',
  pipeline_id: 'bigint',
  step: 'text',
  parent_id: 'bigint',
  blocking_deps: 'int',
  unique_key: 'text',
  concurrency_key: 'text',
  trace_context: 'text',
};

/** Array types where the column's own differs: the JSON texts are cast per element. */
const ARRAY_TYPE: Partial<Record<keyof NewJobRow, string>> = { input: 'jsonb', backoff: 'jsonb' };

/**
 * Inserts jobs in one statement, one typed array per column, `unnest`ed. Only what the database
 * decides comes back (InsertedRow). ON CONFLICT only when a row has a unique key: it makes every
 * insert speculative (one more WAL record and index check per row). EXPLAIN ANALYZE, 10,000 rows:
 * 200 ms with a JSON recordset, ON CONFLICT and RETURNING *; 75-115 ms like this.
 * `notifyChannel`: the same statement notifies it if a pending job was written. `idsOnly` (rows
 * without unique keys): one result row, the ids in input order as text and `now()` (the
 * transaction's clock: every row's created_at, and run_after where none was given) instead of a
 * row per job. For 1,000 jobs that is 1,000 DataRow messages fewer to parse (README, Performance).
 */
export function insertJobs(rows: readonly NewJobRow[], notifyChannel?: string, idsOnly = false): Sql {
  const p = syntax.params();
  const value = (r: NewJobRow, c: keyof NewJobRow) => (c === 'run_after' ? (r.run_after?.toISOString() ?? null) : r[c]);
  // A column with one value for the whole batch (name, queue, priority, the nulls...) is one
  // parameter, not an array of copies; the input is an array (giving the row count) unless the
  // batch is one job, which is then a plain SELECT of parameters: about half the parse and plan
  // time of the unnest form (0.5 of 1.2 ms per enqueue, PostgreSQL log_min_duration_statement).
  const single = rows.length === 1;
  const constant = new Map<string, string>();
  const varying = INSERT_COLUMNS.filter((c) => {
    const first = value(rows[0]!, c);
    if ((c === 'input' && !single) || rows.some((r) => value(r, c) !== first)) return true;
    constant.set(c, `${p.add(first)}::${ARRAY_TYPE[c] ?? COLUMN_TYPES[c]}`);
    return false;
  });
  const arrays = varying.map((c) => `${p.add(rows.map((r) => value(r, c)))}::${ARRAY_TYPE[c] ?? COLUMN_TYPES[c]}[]`);
  const from = single ? '' : `FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS v(${varying.join(', ')}, ord)`;
  const col = (name: string) => constant.get(name) ?? `v.${name}`;
  const conflict = rows.some((r) => r.unique_key !== null) ? 'ON CONFLICT DO NOTHING' : '';
  const insert = `
    INSERT INTO ${JOB_TABLE} (name, queue, state, priority, input, max_attempts, backoff, timeout_ms,
      run_after, created_at, pipeline_id, step, parent_id, blocking_deps, unique_key, concurrency_key, trace_context,
      attempt_log)
    SELECT ${col('name')}, ${col('queue')}, ${col('state')}, ${col('priority')}, ${col('input')},
      ${col('max_attempts')}, ${col('backoff')}, ${col('timeout_ms')},
      COALESCE(${col('run_after')}, now()), now(), ${col('pipeline_id')}, ${col('step')},
      ${col('parent_id')}, ${col('blocking_deps')}, ${col('unique_key')}, ${col('concurrency_key')}, ${col('trace_context')}, '[]'
    ${from}
    WHERE true
    ${single ? '' : 'ORDER BY v.ord'}
    ${conflict}
    RETURNING ${idsOnly ? 'id' : INSERTED_COLUMNS}`;
  const result = idsOnly ? `string_agg(id::text, ',' ORDER BY id) AS ids, now() AS created_at` : INSERTED_COLUMNS;
  if (!notifyChannel) return p.sql(idsOnly ? `WITH ins AS (${insert}) SELECT ${result} FROM ins` : insert);
  // pg_notify once (a materialised CTE read by an InitPlan), if a pending job was written; the
  // notification goes out when the statement commits.
  const sql = `WITH ins AS (${insert}, state),
    woke AS MATERIALIZED (SELECT pg_notify(${p.add(notifyChannel)}, '') FROM ins WHERE state = 'pending' LIMIT 1)
    SELECT ${result} FROM ins WHERE (SELECT count(*) FROM woke) >= 0`;
  return p.sql(sql);
}
