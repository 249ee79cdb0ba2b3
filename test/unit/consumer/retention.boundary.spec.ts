/** RetentionBoundary: the maxCount boundary moved on by the jobs finished since, against a fake store. */
import { RetentionBoundary, shifted } from '../../../lib/consumer/retention.boundary.js';

/** Finished jobs as (finishedAt epoch ms, id), and the store's reads over them. */
function fakeStore() {
  const jobs: { at: number; id: number }[] = [];
  const order = () => [...jobs].sort((a, b) => a.at - b.at || a.id - b.id);
  const reads = { fresh: 0, moved: 0 };
  const store = {
    async pruneBoundary(
      _state: string,
      keepLast: number,
      advance?: { from: { finishedAt: unknown; id: string }; skip: number },
    ) {
      const all = order();
      if (!advance) {
        reads.fresh++;
        const row = all[all.length - keepLast];
        return all.length >= keepLast && row ? { finishedAt: row.at, id: String(row.id) } : undefined;
      }
      reads.moved++;
      const from = advance.from as { finishedAt: number; id: string };
      const after = all.filter((j) => j.at > from.finishedAt || (j.at === from.finishedAt && j.id >= Number(from.id)));
      const row = after[advance.skip];
      return row ? { finishedAt: row.at, id: String(row.id) } : undefined;
    },
    async finishedSince(_state: string, since: readonly unknown[]) {
      const counts = since.map((t) => jobs.filter((j) => j.at >= Number(t)).length);
      const within = since.length ? jobs.filter((j) => j.at >= Number(since[0])) : jobs;
      return { counts, newest: within.length ? Math.max(...within.map((j) => j.at)) : undefined };
    },
  };
  let id = 0;
  const add = (at: number) => jobs.push({ at, id: ++id });
  /** The jobs a boundary keeps (those at or after it). */
  const kept = (b: { finishedAt: unknown; id: string } | undefined) =>
    b
      ? order().filter((j) => j.at > Number(b.finishedAt) || (j.at === b.finishedAt && j.id >= Number(b.id))).length
      : jobs.length;
  return { store, add, kept, reads };
}

describe('RetentionBoundary', () => {
  it('keeps exactly maxCount after moving on, reading afresh only once, and counts a late commit', async () => {
    const f = fakeStore();
    for (let i = 0; i < 100; i++) f.add(1_000 + i);
    const b = new RetentionBoundary(f.store, 'completed', 50);
    expect(f.kept(await b.next())).toBe(50);
    expect(f.reads.fresh).toBe(1);

    for (let i = 0; i < 30; i++) f.add(2_000 + i);
    expect(f.kept(await b.next())).toBe(50);
    // A finish stamped before the newest seen (its transaction began earlier) that committed later.
    f.add(2_010);
    for (let i = 0; i < 7; i++) f.add(3_000 + i);
    expect(f.kept(await b.next())).toBe(50);
    expect(f.kept(await b.next())).toBe(50); // nothing new: unchanged
    expect(f.reads).toEqual({ fresh: 1, moved: 2 });
  });

  it('reads afresh when too few jobs remain to move on, and when there were fewer than maxCount', async () => {
    const f = fakeStore();
    for (let i = 0; i < 10; i++) f.add(1_000 + i);
    const b = new RetentionBoundary(f.store, 'completed', 50);
    expect(await b.next()).toBeUndefined(); // fewer than 50: nothing to prune
    for (let i = 0; i < 60; i++) f.add(2_000 + i);
    expect(f.kept(await b.next())).toBe(50);
    expect(f.reads.fresh).toBe(2);
  });
});

describe('shifted (a finish time as each database returns it, moved by ms)', () => {
  it('moves a Date, epoch ms, PostgreSQL text with its offset (to a Date) and MariaDB text without one (to text)', () => {
    expect(shifted(new Date('2026-11-30T11:42:56.948Z'), -1_000)).toEqual(new Date('2026-11-30T11:42:55.948Z'));
    expect(shifted(1_796_038_976_948, 5)).toBe(1_796_038_976_953);
    expect(shifted('1796038976948', 5)).toBe(1_796_038_976_953);
    expect(shifted('2026-11-30 11:42:56.948033+00', -1_000)).toEqual(new Date('2026-11-30T11:42:55.948Z'));
    expect(shifted('2026-11-30 11:42:56.948+05:30', 0)).toEqual(new Date('2026-11-30T06:12:56.948Z'));
    expect(shifted('2026-11-30 00:00:00.500', -1_000)).toBe('2026-11-29 23:59:59.500');
    expect(shifted('2026-11-30 11:42:56', 0)).toBe('2026-11-30 11:42:56.000');
  });

  it('gives undefined for what it cannot read, so the boundary is read afresh', () => {
    for (const v of [undefined, null, 'yesterday', '2026-11-30', {}]) expect(shifted(v, 0)).toBeUndefined();
  });
});
