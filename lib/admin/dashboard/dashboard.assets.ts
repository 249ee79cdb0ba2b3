import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A built file of the dashboard, read once and kept in memory (they are small). */
export interface DashboardAsset {
  body: Buffer;
  contentType: string;
}

/**
 * The files `npm run build:dashboard` writes, by the name the page asks for. Only these are served:
 * the name from the URL is looked up here, never joined into a path.
 */
const FILES: Readonly<Record<string, string>> = Object.freeze({
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
});

/**
 * Where the bundle is. It is built into dist/dashboard/, which is three folders above this file
 * both when it runs from the sources (lib/admin/dashboard/, under ts-jest: the repository root, then
 * dist/) and from the published package (dist/lib/admin/dashboard/: then dist/ itself).
 */
export function dashboardAssetDirs(here = dirname(fileURLToPath(import.meta.url))): string[] {
  const root = join(here, '..', '..', '..');
  return [join(root, 'dashboard'), join(root, 'dist', 'dashboard')];
}

export function findDashboardDir(candidates = dashboardAssetDirs()): string | undefined {
  return candidates.find((dir) => Object.keys(FILES).every((file) => existsSync(join(dir, file))));
}

/** The built assets; `read()` answers undefined for a name that is not one of them. */
export class DashboardAssets {
  private readonly cache = new Map<string, DashboardAsset>();

  /** `dir`: the folder with the built files; null when they are not built. */
  constructor(private readonly dir: string | null = findDashboardDir() ?? null) {}

  /** False when the bundle was not built (a clone without `npm run build:dashboard`). */
  get built(): boolean {
    return this.dir !== null;
  }

  read(name: string): DashboardAsset | undefined {
    const contentType = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
    if (!contentType || !this.dir) return undefined;
    let asset = this.cache.get(name);
    if (!asset) {
      asset = { body: readFileSync(join(this.dir, name)), contentType };
      this.cache.set(name, asset);
    }
    return asset;
  }
}
