/**
 * What `expectEnqueued(name, input)` compares a job's input with:
 * - a predicate: `(input) => input.userId === 1`;
 * - an asymmetric matcher of a test framework (`expect.objectContaining({ userId: 1 })`, Jest's or
 *   Vitest's): anything with an `asymmetricMatch(value)` method, called as the framework would;
 * - any other value: a partial, deep match. Objects match when every key given matches (keys not
 *   given are ignored), arrays element by element with the same length, other values by
 *   `Object.is`. Asymmetric matchers may sit anywhere inside.
 */
// `never`: a predicate typed for the job's input (`(input: { userId: number }) => ...`) is accepted.
export type InputMatcher = ((input: never) => boolean) | { asymmetricMatch(value: unknown): boolean } | unknown;

export function matchesInput(input: unknown, matcher: InputMatcher): boolean {
  if (typeof matcher === 'function') return (matcher as (input: unknown) => boolean)(input) === true;
  return partialMatch(input, matcher);
}

function isAsymmetric(value: unknown): value is { asymmetricMatch(v: unknown): boolean } {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { asymmetricMatch?: unknown }).asymmetricMatch === 'function'
  );
}

function partialMatch(actual: unknown, expected: unknown): boolean {
  if (isAsymmetric(expected)) return expected.asymmetricMatch(actual);
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => partialMatch(actual[i], e))
    );
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, e]) => partialMatch((actual as Record<string, unknown>)[k], e));
  }
  return Object.is(actual, expected);
}

/** The matcher, for a failure message (a predicate by its source, an asymmetric matcher by its `toString`). */
export function describeMatcher(matcher: InputMatcher): string {
  if (typeof matcher === 'function') return `a predicate ${String(matcher).slice(0, 120)}`;
  if (isAsymmetric(matcher)) return String(matcher);
  try {
    return JSON.stringify(matcher, (_k, v: unknown) => (isAsymmetric(v) ? String(v) : v));
  } catch {
    return String(matcher);
  }
}
