import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { perSecond, type Workload } from './workload.js';

/** The last plain-SQL insert rate seen, reported beside the drain floor. */
export const pgLimitNotes: { insertJobsPerSec?: number } = {};

/**
 * The physical limit: plain node-postgres, no queue logic. One `unnest` INSERT for all rows, then
 * claim 500 (`FOR UPDATE SKIP LOCKED`) and complete them in one UPDATE, until none is left. The
 * figure is the drain rate, the floor to compare `noop-drain` with.
 */
export const pgLimit: Workload = {
  figures: [
    {
      id: 'pg-limit',
      unit: 'jobs/s',
      higherIsBetter: true,
      title: 'plain SQL floor: claim 500 + complete batch (no queue logic)',
    },
  ],
  systems: 'ours',
  measure: (ctx) =>
    ctx.onFreshDatabase(async (url) => {
      const n = ctx.args.jobs;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE TABLE floor_job (id bigserial PRIMARY KEY, name text NOT NULL, state text NOT NULL DEFAULT 'pending',
          input jsonb, run_after timestamptz NOT NULL DEFAULT now(), locked_by text)`);
        await c.query(`CREATE INDEX floor_job_due ON floor_job (run_after, id) WHERE state = 'pending'`);
        const t0 = performance.now();
        await c.query(`INSERT INTO floor_job (name, input) SELECT * FROM unnest($1::text[], $2::jsonb[])`, [
          Array.from({ length: n }, () => 'noop'),
          Array.from({ length: n }, (_, i) => JSON.stringify({ i })),
        ]);
        pgLimitNotes.insertJobsPerSec = perSecond(n, performance.now() - t0);
        const t1 = performance.now();
        for (;;) {
          const { rows } = await c.query<{ id: string }>({
            name: 'claim',
            text: `UPDATE floor_job SET state = 'running', locked_by = 'w' WHERE id IN (
              SELECT id FROM floor_job WHERE state = 'pending' AND run_after <= now() ORDER BY run_after, id LIMIT 500 FOR UPDATE SKIP LOCKED)
              RETURNING id`,
          });
          if (rows.length === 0) break;
          await c.query({
            name: 'complete',
            text: `UPDATE floor_job SET state = 'completed', locked_by = NULL WHERE id = ANY($1::bigint[])`,
            values: [rows.map((r) => r.id)],
          });
        }
        return { 'pg-limit': perSecond(n, performance.now() - t1) };
      } finally {
        await c.end();
      }
    }),
};
