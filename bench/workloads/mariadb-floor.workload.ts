import { performance } from 'node:perf_hooks';
import mysql from 'mysql2/promise';
import { createBenchMariadb } from '../mariadb.server.js';
import { perSecond, type Workload } from './workload.js';

/** Rows per INSERT, as `pg-limit-insert` (and ours: `enqueueMany` takes `maxBatchSize`, 10,000, at a time). */
const INSERT_CHUNK = 10_000;
/** Rows per claim, as `pg-limit-drain`. */
const CLAIM_BATCH = 500;

/**
 * The plain-SQL floors of `pg-floor.workload.ts` on MariaDB, measured the same way: plain mysql2, the
 * same minimal job table (id, state, priority, run_at, payload), no queue logic, a fresh database
 * on the MariaDB server (MARIADB_URL, default the local one).
 * - `mariadb-limit-insert`: one INSERT per 10,000 rows (rows from one JSON parameter through
 *   `JSON_TABLE`, as the dialect inserts; compare with `pg-limit-insert`);
 * - `mariadb-limit-drain`: claim 500 (`FOR UPDATE SKIP LOCKED`, in priority, run_at, id order) and
 *   complete each claimed batch with one UPDATE, until none is left (compare with
 *   `mariadb-noop-drain`, and with `pg-limit-drain`). MariaDB has no partial index and no
 *   `UPDATE ... RETURNING`: the index leads with `state`, as the dialect's claim index, and a claim
 *   is the dialect's too, SELECT ... FOR UPDATE SKIP LOCKED and an UPDATE in one transaction.
 */
export const mariadbFloors: Workload = {
  figures: [
    {
      id: 'mariadb-limit-insert',
      unit: 'jobs/s',
      higherIsBetter: true,
      title: 'plain SQL floor on MariaDB: one INSERT per 10,000 rows',
    },
    {
      id: 'mariadb-limit-drain',
      unit: 'jobs/s',
      higherIsBetter: true,
      title: 'plain SQL floor on MariaDB: claim 500 SKIP LOCKED + complete the batch',
    },
  ],
  systems: 'ours',
  measure: async (ctx) => {
    const db = await createBenchMariadb('jobs_bench');
    const c = await mysql.createConnection(db.url);
    try {
      const n = ctx.args.jobs;
      await c.query(`CREATE TABLE floor_job (id bigint unsigned AUTO_INCREMENT PRIMARY KEY,
        state varchar(16) NOT NULL DEFAULT 'pending', priority int NOT NULL DEFAULT 0,
        run_at datetime(3) NOT NULL DEFAULT UTC_TIMESTAMP(3), payload json,
        INDEX floor_job_due (state, priority DESC, run_at, id))`);
      const t0 = performance.now();
      for (let i = 0; i < n; i += INSERT_CHUNK) {
        const payloads = Array.from({ length: Math.min(INSERT_CHUNK, n - i) }, (_, k) => ({ i: i + k }));
        await c.query(
          `INSERT INTO floor_job (payload) SELECT v.payload FROM JSON_TABLE(?, '$[*]' COLUMNS (payload json PATH '$')) AS v`,
          [JSON.stringify(payloads)],
        );
      }
      const insertMs = performance.now() - t0;
      const t1 = performance.now();
      for (;;) {
        await c.query('BEGIN');
        const [claimed] = await c.query(
          `SELECT id, payload FROM floor_job WHERE state = 'pending' AND run_at <= UTC_TIMESTAMP(3)
           ORDER BY priority DESC, run_at, id LIMIT ${CLAIM_BATCH} FOR UPDATE SKIP LOCKED`,
        );
        const ids = (claimed as { id: number }[]).map((r) => r.id);
        if (ids.length) await c.query(`UPDATE floor_job SET state = 'running' WHERE id IN (?)`, [ids]);
        await c.query('COMMIT');
        if (ids.length === 0) break;
        await c.query(`UPDATE floor_job SET state = 'completed' WHERE id IN (?)`, [ids]);
      }
      return {
        'mariadb-limit-insert': perSecond(n, insertMs),
        'mariadb-limit-drain': perSecond(n, performance.now() - t1),
      };
    } finally {
      await c.end();
      await db.drop();
    }
  },
};
