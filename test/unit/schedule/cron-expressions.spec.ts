/**
 * The `CronExpression` constants the README shows: each one parses, and fires at the times the
 * README's reader expects, computed the way recurring jobs and schedules compute them. A constant
 * added to the README without an expectation here fails the first test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CronExpression } from '@nestjs/schedule';
import { occurrencesOf } from '../../../lib/schedule/cron.loader.js';
import { REPO_ROOT } from '../../helpers/child-process.js';

const FROM = new Date('2026-03-14T10:17:42.500Z');

/** The next three occurrences after FROM (UTC), per constant. */
const EXPECTED: Partial<Record<keyof typeof CronExpression, string[]>> = {
  EVERY_5_MINUTES: ['2026-03-14T10:20:00.000Z', '2026-03-14T10:25:00.000Z', '2026-03-14T10:30:00.000Z'],
  EVERY_30_SECONDS: ['2026-03-14T10:18:00.000Z', '2026-03-14T10:18:30.000Z', '2026-03-14T10:19:00.000Z'],
  EVERY_HOUR: ['2026-03-14T11:00:00.000Z', '2026-03-14T12:00:00.000Z', '2026-03-14T13:00:00.000Z'],
  EVERY_DAY_AT_MIDNIGHT: ['2026-03-15T00:00:00.000Z', '2026-03-16T00:00:00.000Z', '2026-03-17T00:00:00.000Z'],
  MONDAY_TO_FRIDAY_AT_9AM: ['2026-03-16T09:00:00.000Z', '2026-03-17T09:00:00.000Z', '2026-03-18T09:00:00.000Z'],
};

const inReadme = [
  ...new Set(
    [...readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').matchAll(/CronExpression\.([A-Z0-9_]+)/g)].map((m) => m[1]!),
  ),
];

describe('CronExpression constants in the README', () => {
  it('the README shows some, and each has its expected times here', () => {
    expect(inReadme.length).toBeGreaterThan(0);
    expect(inReadme.filter((name) => !(name in EXPECTED))).toEqual([]);
  });

  it.each(inReadme)('%s parses and fires at the expected next times', async (name) => {
    const expression = CronExpression[name as keyof typeof CronExpression];
    expect(typeof expression).toBe('string');
    const next = await occurrencesOf(expression, 'UTC', 'test');
    const times: string[] = [];
    for (let at = FROM; times.length < 3;) times.push((at = next(at)).toISOString());
    expect(times).toEqual(EXPECTED[name as keyof typeof CronExpression]);
  });
});
