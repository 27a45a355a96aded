import { compareStoredKeys, MAX_VALUE_DEPTH, type Value } from '@nlbd/crdts';
import { describe, fail } from './wire.js';

/**
 * `v` ready for msgpack, canonically: plain objects and `Map`s become maps with their keys sorted
 * (numbers before strings), so equal values encode to equal bytes. Primitives and byte arrays
 * are returned as they are, and arrays are copied only if something inside changes.
 */
export function wireValue(v: Value): unknown {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = wireValue(v[i] as Value);
      if (x !== v[i]) (out ??= v.slice())[i] = x;
    }
    return out ?? v;
  }
  if (v instanceof Map) {
    const entries = [...(v as ReadonlyMap<string | number, Value>)].sort((a, b) =>
      compareStoredKeys(a[0], b[0]),
    );
    // A Map's string keys go as UTF-8 bin, which no plain object's keys are: that is how a
    // decoder tells a `Map` from an object.
    return new Map(entries.map(([k, x]) => [typeof k === 'string' ? utf8.encode(k) : k, wireValue(x)]));
  }
  const entries = Object.entries(v as Record<string, Value>).sort((a, b) => compareStoredKeys(a[0], b[0]));
  return new Map(entries.map(([k, x]) => [k, wireValue(x)]));
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A column of values ready for msgpack (the column itself when every value is a primitive). */
export function wireValues(values: Value[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as Value;
    if (typeof v === 'object' && v !== null) (out ??= values.slice())[i] = wireValue(v);
  }
  return out ?? values;
}

/**
 * Validates a decoded value and returns it in the form states hold (see `storableValue`: `-0`
 * as `0`); byte arrays as fresh plain `Uint8Array`s; maps with string keys as null-prototype
 * objects (so `'__proto__'` is an ordinary own key); maps with UTF-8 bin or finite-number keys
 * as `Map`s (string keys from the bin).
 * Anything else (bigints, other map keys, a map mixing string and bin keys, nesting past
 * `MAX_VALUE_DEPTH`) is a `DecodeError`. An empty map is an empty object.
 */
export function loadValue(x: unknown, path: string, depth = 0): Value {
  if (depth > MAX_VALUE_DEPTH) fail(`value nests deeper than ${MAX_VALUE_DEPTH}`, path);
  switch (typeof x) {
    case 'number':
      return x === 0 ? 0 : x; // a crafted float -0 is stored as 0, as the mutators store it
    case 'boolean':
    case 'string':
      return x;
    case 'object':
      break;
    default:
      fail(`${describe(x)} is not a value`, path);
  }
  if (x === null) return null;
  if (x instanceof Uint8Array) return new Uint8Array(x);
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) x[i] = loadValue(x[i], `${path}[${i}]`, depth + 1);
    return x;
  }
  if (!(x instanceof Map)) fail(`${describe(x)} is not a value`, path);
  let strings = 0;
  for (const k of x.keys()) {
    if (typeof k === 'string') strings++;
    else if (!(k instanceof Uint8Array) && (typeof k !== 'number' || !Number.isFinite(k))) {
      fail('map keys inside values must be strings, UTF-8 bin or finite numbers', path);
    }
  }
  if (strings !== x.size) {
    if (strings > 0) fail('a map mixes string keys (an object) with bin or number keys (a Map)', path);
    const out = new Map<string | number, Value>();
    for (const [k, v] of x) {
      const key = k instanceof Uint8Array ? utf8Key(k, path) : (k as number);
      if (out.has(key)) fail('a map key appears twice', path);
      out.set(key, loadValue(v, `${path}.${String(key)}`, depth + 1));
    }
    return out;
  }
  const out: Record<string, Value> = Object.create(null);
  for (const [k, v] of x) {
    Object.defineProperty(out, k, {
      value: loadValue(v, `${path}.${k}`, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Validates a decoded column of values in place (primitives pass in one tight loop). */
export function loadValues(xs: unknown[], path: string): Value[] {
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (typeof x === 'object' || typeof x === 'bigint' || typeof x === 'undefined')
      xs[i] = loadValue(x, `${path}[${i}]`);
    else if (x === 0) xs[i] = 0;
  }
  return xs as Value[];
}

function utf8Key(b: Uint8Array, path: string): string {
  try {
    return strictUtf8.decode(b);
  } catch {
    return fail('a Map key is not well-formed UTF-8', path);
  }
}
