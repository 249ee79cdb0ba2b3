/**
 * Headless Chromium for the dashboard's browser tests: Debian's package driven by playwright-core
 * (no browser download). `.ci/run` installs the package when it is missing; without it the
 * browser specs are skipped, and say so in their title.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './child-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const NO_CHROMIUM = `skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * What went wrong in the page: uncaught errors and console errors (a Content-Security-Policy
 * violation is reported there), except the ones `expected` matches.
 */
export function collectPageErrors(page: Page, expected: RegExp[] = []): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected.some((re) => re.test(message.text()))) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return errors;
}

/**
 * `DASHBOARD_SCREENSHOTS=1` keeps each page's screenshot in docs/screenshots/<name>.png (for the
 * README); otherwise nothing is written, so a test run leaves the working tree as it was.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.DASHBOARD_SCREENSHOTS) return;
  const dir = join(REPO_ROOT, 'docs', 'screenshots');
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}
