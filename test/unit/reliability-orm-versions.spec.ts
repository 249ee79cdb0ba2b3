import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/child-process.js';

/**
 * MikroORM versions that carry the 2026 security fixes: raw SQL through crafted objects in
 * em.create/nativeInsert and its prototype-pollution sibling (fixed in 7.0.6), JSON-path key
 * injection (fixed in @mikro-orm/sql 7.0.14). The peer range, the lockfile and what is installed
 * must all be at or above them.
 */
const FIXED: Record<string, string> = {
  '@mikro-orm/core': '7.0.6',
  '@mikro-orm/sql': '7.0.14',
  '@mikro-orm/postgresql': '7.0.6',
  '@mikro-orm/sqlite': '7.0.6',
};

function atLeast(version: string, min: string): boolean {
  const a = version
    .replace(/^[^\d]*/, '')
    .split(/[.-]/)
    .map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i]!;
  return true;
}

const json = (path: string) => JSON.parse(readFileSync(join(REPO_ROOT, path), 'utf8'));

describe('MikroORM security versions', () => {
  const pkg = json('package.json');
  const lock = json('package-lock.json');

  it.each(Object.entries(FIXED))(
    '%s is at least %s installed, locked and (for core) required of users',
    (name, min) => {
      expect(atLeast(json(`node_modules/${name}/package.json`).version, min)).toBe(true);
      expect(atLeast(lock.packages[`node_modules/${name}`].version, min)).toBe(true);
      expect(atLeast(pkg.devDependencies[name], min)).toBe(true);
      if (pkg.peerDependencies[name]) expect(atLeast(pkg.peerDependencies[name], min)).toBe(true);
    },
  );

  it('the peer range on @mikro-orm/core starts at a fixed version', () => {
    expect(pkg.peerDependencies['@mikro-orm/core']).toMatch(/^\^7\./);
    expect(atLeast(pkg.peerDependencies['@mikro-orm/core'], '7.0.14')).toBe(true); // core and sql move in lockstep
  });
});
