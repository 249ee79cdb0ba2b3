import { NonJsonValueError } from '../errors/non-json.error.js';
import { PayloadTooLargeError } from '../errors/payload-too-large.error.js';

/**
 * Serialises a value that must survive a JSON round trip unchanged. Rejects, naming the path:
 * functions, symbols, BigInt, NaN/Infinity, cycles, `undefined` in arrays, and objects that JSON
 * would turn into something else (Date, Map, Set, RegExp, Buffer, typed arrays, Error, Promise,
 * anything with `toJSON`, class instances with getters). Plain objects and instances of plain data
 * classes (such as DTOs) pass.
 */
export function toJson(value: unknown, what: string, maxBytes: number): string {
  assertJsonSafe(value === undefined ? null : value, what, new Set());
  const text = JSON.stringify(value === undefined ? null : value);
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw new PayloadTooLargeError(
      `${what} is ${bytes} bytes of JSON; the limit is ${maxBytes} (option maxPayloadBytes). Store large data elsewhere (a table, object storage) and pass its id.`,
    );
  }
  return text;
}

/**
 * A getter on the class of an instance (typically in front of a `#private` field) holds data that
 * JSON.stringify never reads: the stored copy would silently lose it. Plain objects, arrays and
 * data classes with only own fields have none.
 */
function hiddenAccessor(obj: object): string | undefined {
  for (let proto = Object.getPrototypeOf(obj); proto && proto !== Object.prototype && proto !== Array.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (descriptor.get) return key;
    }
  }
  return undefined;
}

function fail(path: string, reason: string): never {
  throw new NonJsonValueError(
    `${path} is ${reason}; job inputs and outputs must be plain JSON. Convert it first (e.g. a Date with toISOString(), a Map to an object, a BigInt to a string).`,
  );
}

function assertJsonSafe(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `${value}, which JSON turns into null`);
      return;
    case 'undefined':
      return fail(path, 'undefined');
    case 'bigint':
      return fail(path, 'a BigInt, which JSON cannot hold');
    case 'function':
      return fail(path, 'a function; payloads are data, never code');
    case 'symbol':
      return fail(path, 'a symbol');
  }
  if (value === null) return;
  const obj = value as object;
  if (seen.has(obj)) fail(path, 'a circular reference');
  if (typeof (obj as any).toJSON === 'function' || obj instanceof Map || obj instanceof Set || obj instanceof RegExp
    || obj instanceof Error || obj instanceof Promise || ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer
    || obj instanceof WeakMap || obj instanceof WeakSet) {
    fail(path, `a ${obj.constructor?.name ?? 'special object'}, which JSON would not keep as it is`);
  }
  const hidden = hiddenAccessor(obj);
  if (hidden) {
    fail(path, `an instance of ${obj.constructor?.name ?? 'a class'} whose data JSON cannot see (getter '${hidden}' on its class)`);
  }
  seen.add(obj);
  if (Array.isArray(obj)) {
    obj.forEach((item, i) => {
      if (item === undefined) fail(`${path}[${i}]`, 'undefined, which JSON turns into null');
      assertJsonSafe(item, `${path}[${i}]`, seen);
    });
  } else {
    for (const key of Object.keys(obj)) {
      const item = (obj as Record<string, unknown>)[key];
      if (item === undefined) continue; // JSON drops undefined properties; that loses nothing.
      assertJsonSafe(item, `${path}.${key}`, seen);
    }
  }
  seen.delete(obj);
}
