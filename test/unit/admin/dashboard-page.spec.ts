import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DashboardAssets,
  dashboardAssetDirs,
  findDashboardDir,
} from '../../../lib/admin/dashboard/dashboard.assets.js';
import { DASHBOARD_CSP, dashboardPage } from '../../../lib/admin/dashboard/dashboard.page.js';

describe('the dashboard page', () => {
  it('addresses its two files from the path it was asked at, with or without the slash or a query', () => {
    for (const path of ['/jobs-admin', '/jobs-admin/', '/jobs-admin/?x=1', '/api/v1/jobs-admin#top']) {
      const page = dashboardPage(path);
      const base = path.startsWith('/api') ? '/api/v1/jobs-admin/' : '/jobs-admin/';
      expect(page).toContain(`<script type="module" src="${base}assets/app.js"></script>`);
      expect(page).toContain(`<link rel="stylesheet" href="${base}assets/app.css" />`);
    }
  });

  it('holds no inline script or style, and escapes the path', () => {
    const page = dashboardPage('/a"><script>alert(1)</script>');
    expect(page).not.toContain('<script>');
    expect(page).toContain('/a&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;/assets/app.js');
    expect(page).not.toMatch(/<style|style=/);
  });

  it('has a CSP that allows scripts and styles from its origin only', () => {
    expect(DASHBOARD_CSP).toMatch(/default-src 'none'/);
    expect(DASHBOARD_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(DASHBOARD_CSP).toMatch(/style-src 'self'(;|$)/);
    expect(DASHBOARD_CSP).toMatch(/frame-ancestors 'none'/);
    expect(DASHBOARD_CSP).not.toMatch(/unsafe/);
  });
});

describe('the dashboard assets', () => {
  const built = () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
    writeFileSync(join(dir, 'app.js'), 'export {};');
    writeFileSync(join(dir, 'app.css'), 'body{}');
    return dir;
  };

  it('are looked for three folders up: dist/dashboard from the sources, dashboard/ beside dist/lib', () => {
    expect(dashboardAssetDirs('/repo/lib/admin/dashboard')).toEqual(['/repo/dashboard', '/repo/dist/dashboard']);
    expect(dashboardAssetDirs('/app/node_modules/pkg/dist/lib/admin/dashboard')).toContain(
      '/app/node_modules/pkg/dist/dashboard',
    );
  });

  it('take the first folder that holds both files', () => {
    const empty = mkdtempSync(join(tmpdir(), 'dashboard-'));
    const dir = built();
    expect(findDashboardDir([empty, dir])).toBe(dir);
    expect(findDashboardDir([empty])).toBeUndefined();
  });

  it('serve only their own two names, with their content types', () => {
    const assets = new DashboardAssets(built());
    expect(assets.built).toBe(true);
    expect(assets.read('app.js')).toEqual({
      body: Buffer.from('export {};'),
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(assets.read('app.css')?.contentType).toBe('text/css; charset=utf-8');
    for (const name of ['../app.js', 'index.html', 'constructor', '__proto__', 'app.js.map']) {
      expect(assets.read(name)).toBeUndefined();
    }
    const missing = new DashboardAssets(null);
    expect([missing.built, missing.read('app.js')]).toEqual([false, undefined]);
  });
});
