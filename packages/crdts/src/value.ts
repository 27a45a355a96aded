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
