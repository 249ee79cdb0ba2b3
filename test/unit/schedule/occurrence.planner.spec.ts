import { occurrencesOf, type NextOccurrence } from '../../../lib/schedule/cron.loader.js';
import { assertMissedPolicy } from '../../../lib/schedule/missed-policy.js';
import { lastOccurrences, planOccurrences } from '../../../lib/schedule/occurrence.planner.js';
import { InvalidScheduleError } from '../../../lib/index.js';

const GRACE = 60_000;
const iso = (d: Date[]) => d.map((x) => x.toISOString());

describe('planOccurrences', () => {
  let everyMinute: NextOccurrence;
  let everySecond: NextOccurrence;
  beforeAll(async () => {
    everyMinute = await occurrencesOf('0 * * * * *', undefined, 'test');
    everySecond = await occurrencesOf('* * * * * *', undefined, 'test');
  });

  it('runs the occurrence that has just come, whatever the policy', () => {
    const from = new Date('2026-01-01T00:05:00.000Z');
    const now = new Date('2026-01-01T00:05:00.030Z');
    for (const policy of ['skip', 'once', { catchUp: 5 }] as const) {
      const plan = planOccurrences(everyMinute, from, now, policy, GRACE);
      expect(iso(plan.runs)).toEqual(['2026-01-01T00:05:00.000Z']);
      expect(plan.next.toISOString()).toBe('2026-01-01T00:06:00.000Z');
    }
  });

  it('plans nothing before the next run, and never an occurrence after now', () => {
    const from = new Date('2026-01-01T00:05:00.000Z');
    const plan = planOccurrences(everyMinute, from, new Date('2026-01-01T00:04:59.999Z'), 'once', GRACE);
    expect(plan).toEqual({ runs: [], next: from });
  });

  it('applies the policy to occurrences missed for ten minutes', () => {
    const from = new Date('2026-01-01T00:00:00.000Z');
    const now = new Date('2026-01-01T00:10:30.000Z'); // 00:10 is 30 s late: due, not missed
    const plan = (policy: Parameters<typeof planOccurrences>[3]) =>
      iso(planOccurrences(everyMinute, from, now, policy, GRACE).runs);
    expect(plan('skip')).toEqual(['2026-01-01T00:10:00.000Z']);
    expect(plan('once')).toEqual(['2026-01-01T00:09:00.000Z', '2026-01-01T00:10:00.000Z']);
    expect(plan({ catchUp: 3 })).toEqual([
      '2026-01-01T00:07:00.000Z',
      '2026-01-01T00:08:00.000Z',
      '2026-01-01T00:09:00.000Z',
      '2026-01-01T00:10:00.000Z',
    ]);
    expect(plan({ catchUp: 100 })).toHaveLength(11);
  });

  it('counts the latest occurrence as missed once it is more than the grace late', () => {
    const from = new Date('2026-01-01T00:00:00.000Z');
    const now = new Date('2026-01-01T00:03:45.000Z'); // 00:03 is 45 s late; the grace here is 30 s
    expect(iso(planOccurrences(everyMinute, from, now, 'skip', 30_000).runs)).toEqual([]);
    expect(iso(planOccurrences(everyMinute, from, now, 'once', 30_000).runs)).toEqual(['2026-01-01T00:03:00.000Z']);
    expect(iso(planOccurrences(everyMinute, from, now, 'once', GRACE).runs)).toEqual([
      '2026-01-01T00:02:00.000Z',
      '2026-01-01T00:03:00.000Z',
    ]);
  });

  it('finds the last occurrences of a schedule missed for a month without walking every second', () => {
    const from = Date.parse('2026-01-01T00:00:00.000Z');
    const to = Date.parse('2026-02-01T00:00:00.000Z');
    expect(iso(lastOccurrences(everySecond, from, to, 2))).toEqual([
      '2026-01-31T23:59:59.000Z',
      '2026-02-01T00:00:00.000Z',
    ]);
    expect(lastOccurrences(everySecond, to, from, 2)).toEqual([]);
  });
});

describe('assertMissedPolicy', () => {
  it('takes skip, once and { catchUp: 1..1000 }', () => {
    expect(assertMissedPolicy('skip')).toBe('skip');
    expect(assertMissedPolicy({ catchUp: 1000 })).toEqual({ catchUp: 1000 });
    for (const bad of ['all', { catchUp: 0 }, { catchUp: 1001 }, { catchUp: 2.5 }, { catchUp: 3, extra: 1 }, null])
      expect(() => assertMissedPolicy(bad)).toThrow(InvalidScheduleError);
  });
});
