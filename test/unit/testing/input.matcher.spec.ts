import { describeMatcher, matchesInput } from '../../../lib/testing/input.matcher.js';

describe('matchesInput', () => {
  const input = { userId: 7, email: 'ada@example.com', tags: ['a', 'b'], nested: { deep: true, other: 1 } };

  it('matches a partial object, deeply; arrays whole', () => {
    expect(matchesInput(input, { userId: 7 })).toBe(true);
    expect(matchesInput(input, { nested: { deep: true } })).toBe(true);
    expect(matchesInput(input, { tags: ['a', 'b'] })).toBe(true);
    expect(matchesInput(input, { tags: ['a'] })).toBe(false);
    expect(matchesInput(input, { userId: 8 })).toBe(false);
    expect(matchesInput(input, { missing: undefined })).toBe(true);
    expect(matchesInput(null, { userId: 7 })).toBe(false);
    expect(matchesInput(null, null)).toBe(true);
  });

  it('takes a predicate', () => {
    expect(matchesInput(input, (i: typeof input) => i.userId > 5)).toBe(true);
    expect(matchesInput(input, () => 'yes')).toBe(false);
  });

  it("calls a test framework's asymmetric matchers, at the top and inside", () => {
    expect(matchesInput(input, expect.objectContaining({ email: expect.stringMatching(/@example\.com$/) }))).toBe(true);
    expect(matchesInput(input, { userId: expect.any(Number), tags: expect.arrayContaining(['b']) })).toBe(true);
    expect(matchesInput(input, expect.objectContaining({ userId: 8 }))).toBe(false);
  });

  it('describes a matcher for a failure message', () => {
    expect(describeMatcher({ userId: 7 })).toBe('{"userId":7}');
    expect(describeMatcher(expect.objectContaining({ a: 1 }))).toMatch(/ObjectContaining/);
  });
});
