import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drainOurs } from '../adapters/ours.adapter.js';
import { perSecond, type Workload } from './workload.js';

/** Ours only: the no-op drain on a SQLite file (WAL), defaults. */
export const sqliteDrain: Workload = {
  figures: [
    { id: 'sqlite-noop-drain', unit: 'jobs/s', higherIsBetter: true, title: 'no-op drain on SQLite (ours only)' },
  ],
  systems: 'ours',
  measure: async (ctx) => {
    const file = join(tmpdir(), `jobs-bench-${process.pid}-${Date.now()}.sqlite`);
    try {
      const ms = await drainOurs({ sqliteFile: file }, ctx.args.jobs);
      return { 'sqlite-noop-drain': perSecond(ctx.args.jobs, ms) };
    } finally {
      for (const suffix of ['', '-wal', '-shm']) await rm(file + suffix, { force: true });
    }
  },
};
