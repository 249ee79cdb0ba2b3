/** describeError: anything a handler throws becomes a storable { name, message, stack }, and describing never throws. */
import { describeError } from '../../../lib/consumer/error.util.js';

describe('describeError', () => {
  it('keeps an Error’s name, message and stack, subclasses included', () => {
    const err = new RangeError('too far');
    expect(describeError(err)).toEqual({ name: 'RangeError', message: 'too far', stack: err.stack });
    const unnamed = Object.assign(new Error('x'), { name: '' });
    expect(describeError(unnamed).name).toBe('Error');
  });

  it.each([
    ['a string', 'boom', 'boom'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a number', 42, '42'],
    ['a plain object', { code: 7 }, '{"code":7}'],
    ['a BigInt', 10n, '10'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
  ])('describes %s as NonErrorThrown with its text', (_what, thrown, text) => {
    const info = describeError(thrown);
    expect(info.name).toBe('NonErrorThrown');
    expect(info.message).toBe(`The handler threw a value that is not an Error: ${text}`);
    expect(info.stack).toContain('thrown value captured here');
  });

  it('describes a cyclic object through String() when JSON fails', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeError(cyclic).message).toBe('The handler threw a value that is not an Error: [object Object]');
  });

  it('never throws, even for a cyclic object without a prototype or an Error whose getters throw', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.self = bare;
    expect(describeError(bare)).toMatchObject({
      name: 'NonErrorThrown',
      message: expect.stringContaining('cannot be described'),
    });
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'message', {
      get() {
        throw new Error('no');
      },
    });
    expect(describeError(hostile).name).toBe('NonErrorThrown');
  });

  it('cuts a long thrown text at 2000 characters', () => {
    const info = describeError('x'.repeat(5_000));
    expect(info.message).toBe(`The handler threw a value that is not an Error: ${'x'.repeat(2_000)}`);
  });
});
