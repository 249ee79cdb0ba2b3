/**
 * toJson: what survives a JSON round trip passes as its JSON text; anything JSON would change or
 * drop is refused with NonJsonValueError naming where it sits; too many bytes is
 * PayloadTooLargeError naming the limit's option.
 */
import { NonJsonValueError } from '../../../lib/errors/non-json.error.js';
import { PayloadTooLargeError } from '../../../lib/errors/payload-too-large.error.js';
import { toJson } from '../../../lib/validation/json.util.js';

const LIMIT = 1_000_000;

/** A class whose data JSON cannot see: a private field behind a getter. */
class Money {
  #cents: number;
  constructor(cents: number) {
    this.#cents = cents;
  }
  get cents() {
    return this.#cents;
  }
}

/** A plain data class, like a DTO: a getter derived from its own fields loses nothing. */
class Point {
  constructor(
    public x: number,
    public y: number,
  ) {}
  get length() {
    return Math.hypot(this.x, this.y);
  }
}

function refusal(value: unknown): Error {
  try {
    toJson(value, 'Input', LIMIT);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected toJson to refuse the value');
}

describe('toJson', () => {
  it.each([
    ['null', null, 'null'],
    ['undefined (stored as null)', undefined, 'null'],
    ['a number', -1.5, '-1.5'],
    ['a string', 'text', '"text"'],
    ['a boolean', false, 'false'],
    ['nested plain data', { list: [1, 'a', null, { b: true }] }, '{"list":[1,"a",null,{"b":true}]}'],
    ['an undefined property (dropped, as JSON does)', { a: 1, b: undefined }, '{"a":1}'],
    ['a data class instance', new Point(3, 4), '{"x":3,"y":4}'],
    ['an object without a prototype', Object.assign(Object.create(null), { a: 1 }), '{"a":1}'],
    [
      'the same object twice, side by side (not a cycle)',
      (() => {
        const o = { v: 1 };
        return [o, o];
      })(),
      '[{"v":1},{"v":1}]',
    ],
  ])('passes %s as its JSON text', (_what, value, text) => {
    expect(toJson(value, 'Input', LIMIT)).toBe(text);
  });

  const cycle: Record<string, unknown> = { name: 'loop' };
  cycle.self = cycle;

  it.each([
    ['a function', 'Input.fn', { fn: () => 1 }, 'a function'],
    ['a BigInt', 'Input.big', { big: 10n }, 'a BigInt'],
    ['a top-level BigInt', 'Input', 5n, 'a BigInt'],
    ['a cycle', 'Input.self', cycle, 'a circular reference'],
    ['a Date', 'Input.when', { when: new Date(0) }, 'a Date'],
    ['a nested Date', 'Input.a.b[0].c', { a: { b: [{ c: new Date(0) }] } }, 'a Date'],
    ['a Map', 'Input.map', { map: new Map([['a', 1]]) }, 'a Map'],
    ['a Set', 'Input.set', { set: new Set([1]) }, 'a Set'],
    ['a RegExp', 'Input.re', { re: /x/ }, 'a RegExp'],
    ['an Error', 'Input.e', { e: new Error('x') }, 'a Error'],
    ['a Buffer', 'Input.bytes', { bytes: Buffer.from('hi') }, 'a Buffer'],
    ['NaN', 'Input.n', { n: NaN }, 'NaN'],
    ['Infinity in an array', 'Input.n[1]', { n: [1, -Infinity] }, '-Infinity'],
    ['undefined in an array', 'Input.list[1]', { list: [1, undefined] }, 'undefined'],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole in a sparse array', 'Input.list[1]', { list: [1, , 3] }, 'an empty slot of a sparse array'],
    ['an array of holes only', 'Input[0]', new Array(2), 'an empty slot of a sparse array'],
    ['a symbol', 'Input.s', { s: Symbol('x') }, 'a symbol'],
    ['an object with toJSON', 'Input.t', { t: { toJSON: () => 1 } }, 'would not keep'],
    [
      'a class instance whose getter reads a private field',
      'Input.price',
      { price: new Money(1999) },
      "getter 'cents'",
    ],
  ])('refuses %s with NonJsonValueError naming %s', (_what, path, value, reason) => {
    const err = refusal(value);
    expect(err).toBeInstanceOf(NonJsonValueError);
    expect(err.message.startsWith(`${path} is `)).toBe(true);
    expect(err.message).toContain(reason);
    expect(err.message).toContain('must be plain JSON');
  });

  it('counts the limit in UTF-8 bytes: exactly the limit passes, one byte more is PayloadTooLargeError', () => {
    const text = 'é'.repeat(7); // 14 bytes, 16 with the quotes
    expect(toJson(text, 'Output', 16)).toBe(`"${text}"`);
    let err: unknown;
    try {
      toJson(text, 'Output', 15);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as Error).message).toMatch(/^Output is 16 bytes of JSON; the limit is 15 \(option maxPayloadBytes\)\./);
  });

  it('checks what a value is before its size: an oversized non-JSON value is NonJsonValueError', () => {
    expect(() => toJson({ big: 1n, pad: 'x'.repeat(100) }, 'Input', 10)).toThrow(NonJsonValueError);
  });
});
