/** The command line's argument parsers: durations, job states, ids, whole numbers, repeatable options. */
import { InvalidArgumentError } from 'commander';
import {
  collect,
  parseDuration,
  parseJobId,
  parseJobState,
  parseTime,
  wholeNumber,
} from '../../../lib/cli/cli-args.util.js';

describe('parseDuration', () => {
  it.each([
    ['7d', 7 * 86_400_000],
    ['12h', 12 * 3_600_000],
    ['30m', 30 * 60_000],
    ['45s', 45_000],
    ['500ms', 500],
    ['2w', 14 * 86_400_000],
    ['1d12h', 36 * 3_600_000],
    ['1h30m15s', 5_415_000],
    ['0s', 0],
    [' 7d ', 7 * 86_400_000],
  ])('%p is %p ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['7', '', 'd', '7x', '7 d', '-7d', '1.5h', '7dd', 'd7', '7d x', '1e3s', '99999999999999999999d'])(
    'refuses %p with a message naming it',
    (text) => {
      expect(() => parseDuration(text)).toThrow(InvalidArgumentError);
      expect(() => parseDuration(text)).toThrow(`'${text}'`);
    },
  );

  it('says which units it takes', () => {
    expect(() => parseDuration('7')).toThrow(/ms, s, m, h, d, w\), e\.g\. 7d, 12h, 30m/);
  });
});

describe('parseJobState', () => {
  it.each(['pending', 'blocked', 'running', 'completed', 'failed', 'cancelled', 'skipped'])('takes %p', (s) => {
    expect(parseJobState(s)).toBe(s);
  });

  it('takes any case', () => {
    expect(parseJobState('FAILED')).toBe('failed');
  });

  it('refuses an unknown state, listing the states', () => {
    expect(() => parseJobState('done')).toThrow(
      "'done' is not a job state: use one of blocked, pending, running, completed, failed, cancelled, skipped.",
    );
  });

  it('with finished = true, takes only finished states (what purge deletes)', () => {
    expect(parseJobState('skipped', true)).toBe('skipped');
    expect(() => parseJobState('running', true)).toThrow(
      "'running' is not a finished job state: use one of completed, failed, cancelled, skipped.",
    );
  });
});

describe('collect', () => {
  it('adds each occurrence, comma lists included, to the earlier ones', () => {
    const states = collect((s) => parseJobState(s, true));
    expect(states('completed,failed', states('cancelled'))).toEqual(['cancelled', 'completed', 'failed']);
  });

  it('lets the parser refuse a bad item', () => {
    expect(() => collect((s) => parseJobState(s))('failed,nope')).toThrow(InvalidArgumentError);
  });
});

describe('parseJobId and wholeNumber', () => {
  it.each(['1', '42', '9223372036854775807'])('id %p', (id) => expect(parseJobId(id)).toBe(id));

  it.each(['0', '-1', 'abc', '1.5', '05', ''])('refuses id %p', (id) => {
    expect(() => parseJobId(id)).toThrow(/is not a job id/);
  });

  it('takes whole numbers in range and refuses the rest', () => {
    const limit = wholeNumber(1, 500);
    expect(limit('50')).toBe(50);
    for (const bad of ['0', '501', '5.5', 'x', '-1']) expect(() => limit(bad)).toThrow(/from 1 to 500/);
  });
});

describe('parseTime', () => {
  it('takes ISO 8601 dates and times', () => {
    expect(parseTime('2026-11-30').toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(parseTime('2026-11-30T08:00:00Z').toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it.each(['yesterday', '30/11/2026', '2026-13-45', '1700000000000', ''])('refuses %p', (text) => {
    expect(() => parseTime(text)).toThrow(/is not a time: write ISO 8601/);
  });
});
