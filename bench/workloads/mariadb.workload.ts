import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { drainOurs, latencyOurs } from '../adapters/ours.adapter.js';
import { createBenchMariadb } from '../mariadb.server.js';
import { quantile } from '../stats.util.js';
import { perSecond, type Workload } from './workload.js';

/** Runs `fn` on a fresh database on the MariaDB server (MARIADB_URL, default the local one), dropped afterwards. */
async function onFreshMariadb<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const db = await createBenchMariadb('jobs_bench');
  try {
    return await fn(db.url);
  } finally {
    await db.drop();
  }
}

/** Ours only: `sqlite-noop-drain`'s sibling on MariaDB (a fresh database), defaults. */
export const mariadbDrain: Workload = {
  figures: [
    { id: 'mariadb-noop-drain', unit: 'jobs/s', higherIsBetter: true, title: 'no-op drain on MariaDB (ours only)' },
  ],
  systems: 'ours',
  measure: (ctx) =>
    onFreshMariadb(async (url) => ({
      'mariadb-noop-drain': perSecond(ctx.args.jobs, await drainOurs({ mariadbUrl: url }, ctx.args.jobs)),
    })),
};

/**
 * Ours only: `latency-p50`/`-p99` on MariaDB. The producer and the consumer share a process, as in
 * the PostgreSQL figure; MariaDB has no notifications, so a consumer in another process would find
 * the job at its next poll instead (`pollIntervalMs`, default 1000).
 */
export const mariadbLatency: Workload = {
  figures: [
    {
      id: 'mariadb-latency-p50',
      unit: 'ms',
      higherIsBetter: false,
      title: 'enqueue-to-start latency p50 on MariaDB, idle worker, same process',
    },
    {
      id: 'mariadb-latency-p99',
      unit: 'ms',
      higherIsBetter: false,
      title: 'enqueue-to-start latency p99 on MariaDB, idle worker, same process',
    },
  ],
  systems: 'ours',
  measure: (ctx) =>
    onFreshMariadb(async (url) => {
      const samples = await latencyOurs({ mariadbUrl: url }, ctx.args.quick ? 60 : 200);
      return { 'mariadb-latency-p50': quantile(samples, 0.5), 'mariadb-latency-p99': quantile(samples, 0.99) };
    }),
};

/**
 * `pg-limit` on MariaDB: plain mysql2, no queue logic. One INSERT for all rows, then claim 500 and
 * complete them, until none is left. MariaDB has no UPDATE ... RETURNING, so a claim is what the
 * dialect does too: SELECT ... FOR UPDATE SKIP LOCKED and an UPDATE in one transaction; the
 * completion is one UPDATE. The figure is the drain rate, the floor to compare
 * `mariadb-noop-drain` with.
 */
export const mariadbLimit: Workload = {
  figures: [
    {
      id: 'mariadb-limit',
      unit: 'jobs/s',
      higherIsBetter: true,
      title: 'plain SQL floor on MariaDB: claim 500 + complete batch (no queue logic)',
    },
  ],
  systems: 'ours',
  measure: (ctx) =>
    onFreshMariadb(async (url) => {
      const n = ctx.args.jobs;
      const c = await mysql.createConnection(url);
      try {
        await c.query(`CREATE TABLE floor_job (id bigint unsigned AUTO_INCREMENT PRIMARY KEY, name varchar(128) NOT NULL,
          state varchar(16) NOT NULL DEFAULT 'pending', input json, run_after datetime(3) NOT NULL DEFAULT UTC_TIMESTAMP(3), locked_by varchar(64),
          INDEX floor_job_due (state, run_after, id))`);
        const rows = JSON.stringify(Array.from({ length: n }, (_, i) => ({ input: JSON.stringify({ i }) })));
        await c.query(
          `INSERT INTO floor_job (name, input) SELECT 'noop', v.input FROM JSON_TABLE(?, '$[*]' COLUMNS (input longtext PATH '$.input')) AS v`,
          [rows],
        );
        const t1 = performance.now();
        for (;;) {
          await c.query('BEGIN');
          const [claimed] = await c.query(
            `SELECT id FROM floor_job WHERE state = 'pending' AND run_after <= UTC_TIMESTAMP(3) ORDER BY run_after, id LIMIT 500 FOR UPDATE SKIP LOCKED`,
          );
          const ids = (claimed as { id: number }[]).map((r) => r.id);
          if (ids.length)
            await c.query(`UPDATE floor_job SET state = 'running', locked_by = 'w' WHERE id IN (?)`, [ids]);
          await c.query('COMMIT');
          if (ids.length === 0) break;
          await c.query(`UPDATE floor_job SET state = 'completed', locked_by = NULL WHERE id IN (?)`, [ids]);
        }
        return { 'mariadb-limit': perSecond(n, performance.now() - t1) };
      } finally {
        await c.end();
      }
    }),
};
