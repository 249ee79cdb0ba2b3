import { JOB_TABLE } from '../job.entity.js';
import { type Dialect, type Sql, Params, now, rowsSource } from '../sql.util.js';

/** One job to insert; JSON fields arrive already serialised (and size-checked). */
export interface NewJobRow {
  ord: number;
  name: string;
  queue: string;
  state: 'pending' | 'blocked';
  priority: number;
  input: string;
  max_attempts: number;
  backoff: string | null;
  timeout_ms: number | null;
  /** ISO string for PostgreSQL, epoch ms for SQLite; null means now on the database clock. */
  run_after: string | number | null;
  pipeline_id: string | null;
  step: string | null;
  parent_id: string | null;
  blocking_deps: number;
  unique_key: string | null;
}

const COLUMNS: Record<keyof NewJobRow, string> = {
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
};

/**
 * Inserts any number of jobs in one statement (rows travel as one JSON parameter). A job whose
 * `unique_key` is held by an unfinished job is not inserted (ON CONFLICT DO NOTHING); the caller
 * looks the holder up.
 */
export function insertJobs(dialect: Dialect, rows: readonly NewJobRow[]): Sql {
  const p = new Params(dialect);
  const { from, col } = rowsSource(dialect, p, rows, COLUMNS);
  const json = (c: string) => (dialect === 'postgresql' ? `${col(c)}::jsonb` : col(c));
  const sql = `
    INSERT INTO ${JOB_TABLE} (name, queue, state, priority, input, max_attempts, backoff, timeout_ms,
      run_after, created_at, pipeline_id, step, parent_id, blocking_deps, unique_key, attempt_log)
    SELECT ${col('name')}, ${col('queue')}, ${col('state')}, ${col('priority')}, ${json('input')},
      ${col('max_attempts')}, ${json('backoff')}, ${col('timeout_ms')},
      COALESCE(${col('run_after')}, ${now(dialect)}), ${now(dialect)}, ${col('pipeline_id')}, ${col('step')},
      ${col('parent_id')}, ${col('blocking_deps')}, ${col('unique_key')}, '[]'
    FROM ${from}
    WHERE true
    ORDER BY ${col('ord')}
    ON CONFLICT DO NOTHING
    RETURNING *`;
  return p.sql(sql);
}

/** The unfinished jobs holding these unique keys. */
export function selectByUniqueKeys(dialect: Dialect, keys: readonly string[]): Sql {
  const p = new Params(dialect);
  const sql = `SELECT * FROM ${JOB_TABLE}
    WHERE unique_key ${p.list(keys, 'text')} AND state IN ('pending', 'blocked', 'running')`;
  return p.sql(sql);
}
