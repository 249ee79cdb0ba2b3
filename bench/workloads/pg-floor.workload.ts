import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { perSecond, type BenchContext, type Figure } from './workload.js';

/** Rows per INSERT, like ours (`enqueueMany` takes `maxBatchSize`, 10,000, at a time). */
const INSERT_CHUNK = 10_000;
/** Rows per claim, like the claim floor of issue 15. */
const CLAIM_BATCH = 500;

/**
 * The plain-SQL floors of issue 15, with plain node-postgres on a minimal job table (id, state,
 * priority, run_at, payload) and no queue logic: what this database does at best on this machine.
 * Each is measured in the rotation of the workload it bounds, between the queues' repetitions
 * (`Workload.floor`), so a ratio to it compares runs minutes apart at most.
 * - `pg-limit-insert`: one `unnest` INSERT per 10,000 rows (the floor of `bulk-enqueue`);
 * - `pg-limit-drain`: claim 500 (`FOR UPDATE SKIP LOCKED`, in priority, run_at, id order) and
 *   complete each claimed batch with one UPDATE, until none is left (the floor of `noop-drain`).
 */
export const insertFloor: Figure = {
  id: 'pg-limit-insert',
  unit: 'jobs/s',
  higherIsBetter: true,
  title: 'plain SQL floor: one unnest INSERT per 10,000 rows',
};
export const drainFloor: Figure = {
  id: 'pg-limit-drain',
  unit: 'jobs/s',
  higherIsBetter: true,
  title: 'plain SQL floor: claim 500 SKIP LOCKED + complete the batch',
};

/** Times the insert floor on a fresh database: jobs/s. */
export const measureInsertFloor = (ctx: BenchContext): Promise<number> =>
  onFloorTable(ctx, async (c, n) => perSecond(n, await insertRows(c, n)));

/** Times the drain floor (after an untimed insert) on a fresh database: jobs/s. */
export const measureDrainFloor = (ctx: BenchContext): Promise<number> =>
  onFloorTable(ctx, async (c, n) => {
    await insertRows(c, n);
    const t0 = performance.now();
    for (;;) {
      const { rows } = await c.query<{ id: string }>({
        name: 'claim',
        text: `UPDATE floor_job SET state = 'running' WHERE id IN (
          SELECT id FROM floor_job WHERE state = 'pending' AND run_at <= now()
          ORDER BY priority DESC, run_at, id LIMIT ${CLAIM_BATCH} FOR UPDATE SKIP LOCKED)
          RETURNING id, payload`,
      });
      if (rows.length === 0) break;
      await c.query({
        name: 'complete',
        text: `UPDATE floor_job SET state = 'completed' WHERE id = ANY($1::bigint[])`,
        values: [rows.map((r) => r.id)],
      });
    }
    return perSecond(n, performance.now() - t0);
  });

async function onFloorTable(ctx: BenchContext, fn: (c: pg.Client, n: number) => Promise<number>): Promise<number> {
  return ctx.onFreshDatabase(async (url) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`CREATE TABLE floor_job (id bigserial PRIMARY KEY, state text NOT NULL DEFAULT 'pending',
        priority integer NOT NULL DEFAULT 0, run_at timestamptz NOT NULL DEFAULT now(), payload jsonb)`);
      await c.query(`CREATE INDEX floor_job_due ON floor_job (priority DESC, run_at, id) WHERE state = 'pending'`);
      return await fn(c, ctx.args.jobs);
    } finally {
      await c.end();
    }
  });
}

/** Inserts `n` rows, INSERT_CHUNK per statement; returns the ms it took. */
async function insertRows(c: pg.Client, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i += INSERT_CHUNK) {
    const payloads = Array.from({ length: Math.min(INSERT_CHUNK, n - i) }, (_, k) => JSON.stringify({ i: i + k }));
    await c.query({
      name: 'insert',
      text: 'INSERT INTO floor_job (payload) SELECT * FROM unnest($1::jsonb[])',
      values: [payloads],
    });
  }
  return performance.now() - t0;
}
