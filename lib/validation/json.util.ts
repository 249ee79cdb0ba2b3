import { NonJsonValueError } from '../errors/non-json.error.js';
import { PayloadTooLargeError } from '../errors/payload-too-large.error.js';

/**
 * Serialises a value that must survive a JSON round trip unchanged. Rejects, naming the path:
 * functions, symbols, BigInt, NaN/Infinity, cycles, `undefined` in arrays, and objects that JSON
 * would turn into something else (Date, Map, Set, RegExp, Buffer, typed arrays, Error, Promise,
 * anything with `toJSON`, class instances whose getters read data JSON cannot see). Plain objects and
 * instances of data classes (such as DTOs) pass.
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
 * A class instance loses data in JSON when a getter of its class reads something JSON cannot see
 * (a `#private` field, a WeakMap): the copy JSON keeps, given the same class, answers differently.
 * A getter derived from own fields (a DTO's `get fullName()`) answers the same, and passes.
 * Returns the first getter that differs. Called once the instance's own fields are known to be JSON.
 */
function getterLosingData(obj: object): string | undefined {
  const proto = Object.getPrototypeOf(obj);
  const getters: string[] = [];
  for (let p = proto; p && p !== Object.prototype && p !== Array.prototype; p = Object.getPrototypeOf(p)) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(p)))
      if (descriptor.get) getters.push(key);
  }
  if (getters.length === 0) return undefined;
  const copy = Object.setPrototypeOf(JSON.parse(JSON.stringify(obj)), proto) as Record<string, unknown>;
  for (const key of getters) {
    let original: string | undefined;
    try {
      original = JSON.stringify((obj as Record<string, unknown>)[key]);
    } catch {
      continue; // a getter that fails on the original tells nothing about the copy
    }
    try {
      if (JSON.stringify(copy[key]) !== original) return key;
    } catch {
      return key;
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
  if (
    typeof (obj as any).toJSON === 'function' ||
    obj instanceof Map ||
    obj instanceof Set ||
    obj instanceof RegExp ||
    obj instanceof Error ||
    obj instanceof Promise ||
    ArrayBuffer.isView(obj) ||
    obj instanceof ArrayBuffer ||
    obj instanceof WeakMap ||
    obj instanceof WeakSet
  ) {
    fail(path, `a ${obj.constructor?.name ?? 'special object'}, which JSON would not keep as it is`);
  }
  seen.add(obj);
  if (Array.isArray(obj)) {
    // An index loop, not forEach: forEach skips the holes of a sparse array, which JSON turns into null.
    for (let i = 0; i < obj.length; i++) {
      if (!(i in obj)) fail(`${path}[${i}]`, 'an empty slot of a sparse array, which JSON turns into null');
      const item: unknown = obj[i];
      if (item === undefined) fail(`${path}[${i}]`, 'undefined, which JSON turns into null');
      assertJsonSafe(item, `${path}[${i}]`, seen);
    }
  } else {
    for (const key of Object.keys(obj)) {
      const item = (obj as Record<string, unknown>)[key];
      if (item === undefined) continue; // JSON drops undefined properties; that loses nothing.
      assertJsonSafe(item, `${path}.${key}`, seen);
    }
    const lost = getterLosingData(obj);
    if (lost)
      fail(
        path,
        `an instance of ${obj.constructor?.name ?? 'a class'} whose data JSON cannot see (its getter '${lost}' reads more than its own fields)`,
      );
  }
  seen.delete(obj);
}
