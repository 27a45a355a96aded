import { ValidationError } from '@nlbd/core';
import { assertWellFormed } from './key.js';

/**
 * A value a register or map may hold: anything msgpack carries exactly. `null`, booleans,
 * numbers, well-formed strings, `Uint8Array`s, arrays of values, and `Map`s or plain objects
 * from keys to values. `undefined`, functions, symbols, bigints beyond 64 bits, `Date`,
 * `RegExp`, class instances and cycles are refused. Values are stored by reference and must be
 * treated as immutable once written.
 */
export type Value =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | readonly Value[]
  | ReadonlyMap<string | number, Value>
  | { readonly [key: string]: Value };

/** The deepest nesting a {@link Value} may have. */
export const MAX_VALUE_DEPTH = 64;

/**
 * Throws a {@link ValidationError} naming the offending path unless `value` is a {@link Value}.
 * @example assertValue({ title: 'milk', done: false }, 'set.value')
 */
export function assertValue(value: unknown, path = 'value', depth = 0): asserts value is Value {
  if (depth > MAX_VALUE_DEPTH) throw new ValidationError(`value nests deeper than ${MAX_VALUE_DEPTH}`, path);
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return;
  if (typeof value === 'string') return assertWellFormed(value, path);
  if (typeof value !== 'object') {
    throw new ValidationError(`${typeof value} is not a storable value`, path);
  }
  if (value instanceof Uint8Array) return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) assertValue(value[i], `${path}[${i}]`, depth + 1);
    return;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      if (typeof k === 'string') assertWellFormed(k, `${path}.<key>`);
      else if (typeof k !== 'number' || !Number.isFinite(k)) {
        throw new ValidationError('map keys inside values must be strings or finite numbers', path);
      }
      assertValue(v, `${path}.${String(k)}`, depth + 1);
    }
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new ValidationError(
      `${proto?.constructor?.name ?? 'object'} instances are not storable values`,
      path,
    );
  }
  for (const k of Object.keys(value)) {
    assertWellFormed(k, `${path}.<key>`);
    assertValue((value as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
  }
}

/**
 * `value` validated as {@link assertValue} does, in the form a state stores it: every `-0` as
 * `0`, every empty `Map` as an empty object, copying only the arrays, maps and objects that hold
 * one. The wire has one zero (msgpack as nlbd writes it, like JSON) and cannot tell an empty
 * `Map` from an empty object, so either would come back from another replica in the other form
 * and the two states would differ; stored this way, a value reads the same on every replica.
 * @example storableValue({ x: -0, tags: new Map() }, 'set.value') // { x: 0, tags: {} }
 */
export function storableValue(value: unknown, path = 'value'): Value {
  assertValue(value, path);
  return storedForm(value);
}

/** `v` with every `-0` inside it as `0` and every empty `Map` as `{}`: itself if it holds none. */
function storedForm(v: Value): Value {
  if (typeof v === 'number') return v === 0 ? 0 : v;
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) {
    let out: Value[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = storedForm(v[i] as Value);
      if (!Object.is(x, v[i])) (out ??= v.slice())[i] = x;
    }
    return out ?? v;
  }
  if (v instanceof Map) {
    if (v.size === 0) return {};
    let out: Map<string | number, Value> | undefined;
    for (const [k, x] of v as ReadonlyMap<string | number, Value>) {
      const y = storedForm(x);
      if (!Object.is(x, y)) (out ??= new Map(v as ReadonlyMap<string | number, Value>)).set(k, y);
    }
    return out ?? v;
  }
  const keys = Object.keys(v);
  const values = keys.map((k) => storedForm((v as Record<string, Value>)[k] as Value));
  if (values.every((y, i) => Object.is(y, (v as Record<string, Value>)[keys[i] as string]))) return v;
  // Defined, not assigned: a key '__proto__' stays an own key and never sets a prototype.
  const out: Record<string, Value> = Object.create(Object.getPrototypeOf(v));
  for (let i = 0; i < keys.length; i++) {
    Object.defineProperty(out, keys[i] as string, {
      value: values[i],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Deep structural equality of two {@link Value}s (`Object.is` on numbers, so NaN equals NaN). */
export function valueEquals(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valueEquals(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !valueEquals(v, b.get(k))) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (
      !Object.hasOwn(b, k) ||
      !valueEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
    ) {
      return false;
    }
  }
  return true;
}
