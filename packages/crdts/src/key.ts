import { ValidationError } from '@nlbd/core';

/**
 * A map key or set element: a string (well-formed UTF-16, so it survives UTF-8 exactly), a finite
 * number (`-0` is stored as `0`), a boolean, or a byte array. `'__proto__'`, `'constructor'` and
 * `'prototype'` are ordinary keys: states keep keys in `Map`s, never in plain objects.
 */
export type Key = string | number | boolean | Uint8Array;

/**
 * How a {@link Key} is stored inside states: strings, numbers and booleans as themselves; byte
 * arrays as a string starting with a lone low surrogate, which no valid string key can contain,
 * so the two never collide and `Map` lookups stay by value.
 */
export type StoredKey = string | number | boolean;

const BYTES_PREFIX = '\udc00';
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Throws a {@link ValidationError} unless `s` is well-formed UTF-16 (no lone surrogates). */
export function assertWellFormed(s: string, path: string): void {
  if (LONE_SURROGATE.test(s))
    throw new ValidationError('string contains a lone surrogate (not valid Unicode)', path);
}

/** Validates `key` and returns its stored form. Throws {@link ValidationError} naming `path`. */
export function storeKey(key: unknown, path = 'key'): StoredKey {
  switch (typeof key) {
    case 'string':
      assertWellFormed(key, path);
      return key;
    case 'number':
      if (!Number.isFinite(key)) throw new ValidationError(`numeric key must be finite, got ${key}`, path);
      return key === 0 ? 0 : key;
    case 'boolean':
      return key;
    default:
      if (key instanceof Uint8Array) {
        let hex = BYTES_PREFIX;
        for (const b of key) hex += (b < 16 ? '0' : '') + b.toString(16);
        return hex;
      }
      throw new ValidationError(
        `key must be a string, finite number, boolean or Uint8Array, got ${key === null ? 'null' : typeof key}`,
        path,
      );
  }
}

/** Whether a stored key stands for a byte array. */
export function isBytesKey(stored: StoredKey): stored is string {
  return typeof stored === 'string' && stored.charCodeAt(0) === 0xdc00;
}

/** The user-facing {@link Key} for a stored key (a fresh `Uint8Array` for byte keys). */
export function loadKey(stored: StoredKey): Key {
  if (!isBytesKey(stored)) return stored;
  const out = new Uint8Array((stored.length - 1) / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(stored.slice(1 + 2 * i, 3 + 2 * i), 16);
  return out;
}

/** A deterministic total order on stored keys: booleans, then numbers, then strings and bytes. */
export function compareStoredKeys(a: StoredKey, b: StoredKey): number {
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * The group of `k` in key order: booleans 0, numbers 1, strings 2, byte keys 3. Within a group,
 * `<` orders keys, so `a` comes strictly before `b` when its group is lower, or the same and
 * `a < b` ({@link rankedBefore}). Key order is the order every codec layout lists keys in.
 */
export function keyRank(k: StoredKey): number {
  if (typeof k === 'string') return k.charCodeAt(0) === 0xdc00 ? 3 : 2;
  return typeof k === 'boolean' ? 0 : 1;
}

/**
 * Whether `a` (of group `ra`, see {@link keyRank}) comes strictly before `b` (of group `rb`) in
 * key order. A group of -1 comes before every key, whatever `a` is.
 */
export function rankedBefore(a: StoredKey | undefined, ra: number, b: StoredKey, rb: number): boolean {
  return ra < rb || (ra === rb && (a as StoredKey) < b);
}
