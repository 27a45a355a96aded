import { compareStoredKeys, isBytesKey, loadKey, type StoredKey, storeKey } from '@nlbd/crdts';
import { asArray, describe, fail, type Reader } from './wire.js';

/** The four key columns: scalar keys, string prefix lengths, string suffixes, byte keys. */
export type KeyColumns = [(boolean | number)[], number[], string[], Uint8Array[]];

/**
 * Stored keys in wire order: booleans (false first), numbers ascending, strings by UTF-16 code
 * units, then byte keys by their bytes. Every layout with keys lists them in this order.
 */
export function sortKeys(keys: Iterable<StoredKey>): StoredKey[] {
  const scalars: StoredKey[] = [];
  const strings: string[] = [];
  const bytes: string[] = [];
  for (const k of keys) {
    if (typeof k !== 'string') scalars.push(k);
    else (isBytesKey(k) ? bytes : strings).push(k);
  }
  scalars.sort(compareStoredKeys);
  strings.sort();
  bytes.sort();
  return [...scalars, ...strings, ...bytes];
}

/** The first code unit of a byte key's stored form (see `storeKey`). */
const BYTES_MARK = 0xdc00;
const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/** The longest common prefix of `a` and `b` that does not split a surrogate pair. */
function sharedPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let p = 0;
  while (p < n && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  return p > 0 && isHigh(a.charCodeAt(p - 1)) ? p - 1 : p;
}

/**
 * Sorted keys as {@link KeyColumns}. Strings are front-coded: each is the length of the prefix it
 * shares with the previous string (never splitting a surrogate pair) and the rest; byte keys are
 * msgpack bin. Scalars are msgpack booleans and numbers.
 */
export function writeKeys(sorted: readonly StoredKey[]): KeyColumns {
  const cols: KeyColumns = [[], [], [], []];
  let prev = '';
  for (const k of sorted) {
    if (typeof k !== 'string') cols[0].push(k);
    else if (k.charCodeAt(0) === BYTES_MARK) cols[3].push(loadKey(k) as Uint8Array);
    else {
      const p = sharedPrefix(prev, k);
      cols[1].push(p);
      cols[2].push(p === 0 ? k : k.slice(p));
      prev = k;
    }
  }
  return cols;
}

/**
 * Reads the key columns at `parts[at..at+4)`, refusing keys out of wire order or repeated,
 * non-canonical front coding, and more key characters in all than `limits.maxBytes`.
 */
export function readKeys(parts: unknown[], at: number, r: Reader, path: string): StoredKey[] {
  const scalars = asArray(parts[at], `${path}.scalarKeys`);
  const prefixes = asArray(parts[at + 1], `${path}.keyPrefixes`);
  const suffixes = asArray(parts[at + 2], `${path}.keySuffixes`);
  const bytes = asArray(parts[at + 3], `${path}.byteKeys`);
  if (prefixes.length !== suffixes.length) fail('prefix and suffix columns differ in length', path);
  const keys: StoredKey[] = new Array(scalars.length + suffixes.length + bytes.length);
  let n = 0;
  for (let i = 0; i < scalars.length; i++) {
    const k = scalars[i];
    if (typeof k !== 'boolean' && (typeof k !== 'number' || !Number.isFinite(k))) {
      fail(`a scalar key must be a boolean or finite number, got ${describe(k)}`, `${path}.scalarKeys[${i}]`);
    }
    const stored = k === 0 ? 0 : k;
    if (n > 0 && compareStoredKeys(keys[n - 1] as StoredKey, stored) >= 0) {
      fail('keys must be strictly ascending', `${path}.scalarKeys[${i}]`);
    }
    keys[n++] = stored;
  }
  let prev = '';
  let chars = r.keyChars;
  const maxChars = r.limits.maxBytes;
  for (let i = 0; i < suffixes.length; i++) {
    const p = prefixes[i];
    const s = suffixes[i];
    if (typeof s !== 'string' || typeof p !== 'number' || !(p >= 0 && p <= prev.length) || (p | 0) !== p) {
      fail(
        'expected a prefix length within the previous key and a string suffix',
        `${path}.keySuffixes[${i}]`,
      );
    }
    if (p < prev.length && s.length > 0 && s.charCodeAt(0) === prev.charCodeAt(p)) {
      // Only a shared high surrogate whose low half differs may stay outside the prefix.
      if (!isHigh(s.charCodeAt(0)) || s.charCodeAt(1) === prev.charCodeAt(p + 1)) {
        fail('the shared prefix must be as long as possible', `${path}.keyPrefixes[${i}]`);
      }
    }
    if (p > 0 && isHigh(prev.charCodeAt(p - 1)))
      fail('the prefix splits a surrogate pair', `${path}.keyPrefixes[${i}]`);
    const key = p === 0 ? s : prev.slice(0, p) + s;
    if (i > 0 && !(key > prev)) fail('keys must be strictly ascending', `${path}.keySuffixes[${i}]`);
    chars += key.length;
    if (chars > maxChars)
      fail(`keys hold more than ${maxChars} characters (limit maxBytes)`, `${path}.keySuffixes[${i}]`);
    keys[n++] = key;
    prev = key;
  }
  r.keyChars = chars;
  let prevBytes = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (!(b instanceof Uint8Array))
      fail(`a byte key must be bin, got ${describe(b)}`, `${path}.byteKeys[${i}]`);
    const stored = storeKey(b) as string;
    if (i > 0 && !(stored > prevBytes)) fail('keys must be strictly ascending', `${path}.byteKeys[${i}]`);
    keys[n++] = prevBytes = stored;
  }
  return keys;
}
