import { QUEUE_CONTROL_TABLE } from '../queue-control.entity.js';
import type { Sql, SqlSyntax } from '../sql.util.js';

/**
 * The claim's filter for paused queues (`j`: the prefix the claim refers to its job columns with).
 * Read by the claim statement itself, in its own snapshot, so a pause holds from the next claim of
 * every consumer in every process: no process keeps a copy that could go stale. `NOT IN` over the
 * primary key of a table of a few rows is one hashed sub-plan per claim.
 */
export function notPaused(j: string): string {
  return `${j}queue NOT IN (SELECT queue FROM ${QUEUE_CONTROL_TABLE} WHERE paused)`;
}

/**
 * Pauses or resumes a queue: one row per queue ever paused, written whether or not the queue has
 * jobs. `paused` is a literal (SQLite's driver binds no booleans).
 */
export function setQueuePaused(syntax: SqlSyntax, queue: string, paused: boolean): Sql {
  const p = syntax.params();
  const flag = paused ? 'true' : 'false';
  const sql = `INSERT INTO ${QUEUE_CONTROL_TABLE} (queue, paused, updated_at) VALUES (${p.add(queue)}, ${flag}, ${syntax.now})
    ON CONFLICT (queue) DO UPDATE SET paused = ${flag}, updated_at = ${syntax.now}`;
  return p.sql(sql);
}

export function selectPausedQueues(): Sql {
  return {
    sql: `SELECT queue FROM ${QUEUE_CONTROL_TABLE} WHERE paused ORDER BY queue`,
    params: [],
  };
}
