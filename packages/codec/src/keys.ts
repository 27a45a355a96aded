import {
  compareStoredKeys,
  isBytesKey,
  KeyMap,
  keyRank,
  loadKey,
  rankedBefore,
  type StoredKey,
  storeKey,
} from '@nlbd/crdts';
import { deflateSync } from 'fflate';
import { inflateBounded } from './envelope.js';
import { readSmallRuns, writeRuns } from './runs.js';
import { asArray, describe, fail, type Reader } from './wire.js';

/** The four key columns: scalar keys, string prefix lengths, string suffixes, byte keys. */
export type KeyColumns = [(boolean | number)[], number[], string[], Uint8Array[]];

/**
 * Stored keys in wire order, which is key order (`keyRank` in `@nlbd/crdts`): booleans (false
 * first), numbers ascending, strings by UTF-16 code units, then byte keys by their bytes. Every
 * layout with keys lists them in this order.
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
 * Format 1.1's key columns: {@link KeyColumns} with the string keys as their count, then their
 * shared-prefix lengths and whole lengths (UTF-16 code units) as {@link writeRuns} columns, then
 * every suffix in one text. Keys of one length (ids, padded numbers) cost one run for their
 * lengths, and no suffix carries a header of its own. Since 1.2 the text is a msgpack string, or
 * (when that is smaller) the raw DEFLATE of its UTF-8 as bin: see {@link packKeyText}.
 */
export type KeyRunColumns = [
  (boolean | number)[],
  number,
  Uint8Array,
  Uint8Array,
  string | Uint8Array,
  Uint8Array[],
];

/**
 * Sorted keys as {@link KeyRunColumns}: the front coding of {@link writeKeys} in one pass, the
 * prefix and whole lengths straight into their columns.
 */
export function writeKeyRuns(sorted: readonly StoredKey[], deflate = true): KeyRunColumns {
  return asciiKeyRuns(sorted, deflate) ?? keyRunsOf(sorted, deflate);
}

/**
 * Keys to front-code: an array, or the keys of a map (iterated as they are, not copied into an
 * array: a state's own `KeyMap`, whose 50k keys would cost a 400 KB array on fresh memory).
 */
export type KeyList = readonly StoredKey[] | ReadonlyMap<StoredKey, unknown>;

/**
 * The keys of `list` in its order, as parts to iterate one after another: a `KeyMap`'s in key
 * order, its chunks' key arrays (see `KeyMap.chunks`), which nested loops read fastest.
 */
function keysOf(list: KeyList): Iterable<StoredKey>[] {
  if (isKeyArray(list)) return [list];
  return list instanceof KeyMap ? list.chunks().map((c) => c.keys) : [list.keys()];
}

function isKeyArray(list: KeyList): list is readonly StoredKey[] {
  return Array.isArray(list);
}

/**
 * `keys` as {@link KeyRunColumns} if they are in wire order (strictly ascending), else undefined:
 * the order check and the front coding in one pass where the keys are ASCII strings.
 */
export function keyRunsInOrder(keys: KeyList, deflate = true): KeyRunColumns | undefined {
  const runs = asciiKeyRuns(keys, deflate);
  if (runs !== undefined) return runs;
  const list = isKeyArray(keys) ? keys : keysOf(keys).flatMap((part) => [...part]);
  return inWireOrder(list) ? keyRunsOf(list, deflate) : undefined;
}

/** Whether `keys` come in wire order (strictly ascending, see {@link sortKeys}). */
export function inWireOrder(keys: Iterable<StoredKey>): boolean {
  let prev: StoredKey | undefined;
  let prevRank = -1;
  for (const k of keys) {
    const rank = keyRank(k);
    if (!rankedBefore(prev, prevRank, k, rank)) return false;
    prev = k;
    prevRank = rank;
  }
  return true;
}

/** {@link writeKeyRuns} code unit by code unit, for keys of every kind. */
function keyRunsOf(sorted: readonly StoredKey[], deflate: boolean): KeyRunColumns {
  const scalars: (boolean | number)[] = [];
  const bytes: Uint8Array[] = [];
  const prefixes = new Float64Array(sorted.length);
  const lengths = new Float64Array(sorted.length);
  const text = new KeyText();
  let count = 0;
  let prev = '';
  for (let i = 0; i < sorted.length; i++) {
    const k = sorted[i] as StoredKey;
    if (typeof k !== 'string') scalars.push(k);
    else if (k.charCodeAt(0) === BYTES_MARK) bytes.push(loadKey(k) as Uint8Array);
    else {
      const p = sharedPrefix(prev, k);
      prefixes[count] = p;
      lengths[count++] = k.length;
      text.append(k, p);
      prev = k;
    }
  }
  return [
    scalars,
    count,
    writeRuns(prefixes.subarray(0, count)),
    writeRuns(lengths.subarray(0, count)),
    packKeyText(text.utf8(), deflate),
    bytes,
  ];
}

/**
 * The most keys encoded to UTF-8 at once by {@link asciiKeyRuns}: joining more at once cost more
 * a key. The first chunks are smaller (256 keys, then doubling), so that keys found out of order
 * early have cost little.
 */
const ASCII_CHUNK = 4096;

/**
 * {@link writeKeyRuns} of keys that are all ASCII strings (the commonest keys), if they ascend;
 * undefined if they do not, or are not all ASCII strings. The keys are joined and encoded to
 * UTF-8 a chunk at a time ({@link ASCII_CHUNK}) into one buffer (`encodeInto`, which allocates
 * nothing: `encode` cost 25 ns a key more), then compared and front-coded as bytes (for ASCII,
 * one byte a code unit, in the same order), four bytes at a time while they agree: reading
 * strings code unit by code unit cost 2-3 ns a unit. 5k keys of 10 characters: 36 ns a key with
 * `encode` and byte by byte, 25 ns this way.
 */
function asciiKeyRuns(list: KeyList, deflate: boolean): KeyRunColumns | undefined {
  const n = isKeyArray(list) ? list.length : list.size;
  if (n === 0) return undefined;
  let units = 0;
  for (const part of keysOf(list))
    for (const k of part) {
      if (typeof k !== 'string') return undefined;
      units += k.length;
    }
  const prefixes = new Float64Array(n);
  const lengths = new Float64Array(n);
  const text = new Uint8Array(units);
  // Every key's bytes, end to end.
  const all = new Uint8Array(units);
  const words = new DataView(all.buffer);
  const chunk: string[] = [];
  let size = Math.min(n, 256);
  let i = 0;
  let at = 0;
  let start = 0;
  let prevStart = 0;
  let prevLength = 0;
  for (const part of keysOf(list))
    for (const key of part) {
      chunk.push(key as string);
      if (chunk.length < size) continue;
      const joined = chunk.join('');
      // Every code unit from 0x80 up (a byte key's mark among them) takes two UTF-8 bytes or more,
      // so text that is not all ASCII does not fit.
      const { read, written } = utf8.encodeInto(joined, all.subarray(start, start + joined.length));
      if (read !== joined.length || written !== joined.length) return undefined;
      for (let c = 0; c < chunk.length; c++, i++) {
        const length = (chunk[c] as string).length;
        let p = 0;
        if (i > 0) {
          const shorter = Math.min(length, prevLength);
          while (p + 4 <= shorter && words.getUint32(prevStart + p) === words.getUint32(start + p)) p += 4;
          while (p < shorter && all[prevStart + p] === all[start + p]) p++;
          // Ascending: the first byte that differs is greater, or the previous key is a proper prefix.
          if (p === length || (p < prevLength && (all[start + p] as number) < (all[prevStart + p] as number)))
            return undefined;
        }
        prefixes[i] = p;
        lengths[i] = length;
        for (let j = start + p; j < start + length; j++) text[at++] = all[j] as number;
        prevStart = start;
        prevLength = length;
        start += length;
      }
      chunk.length = 0;
      size = Math.min(n - i, ASCII_CHUNK, Math.max(256, i));
    }
  return [[], n, writeRuns(prefixes), writeRuns(lengths), packKeyText(text.subarray(0, at), deflate), []];
}

/**
 * The UTF-8 of the key suffixes, appended one by one: ASCII copied byte by byte, anything else
 * through a `TextEncoder` (a suffix never splits a surrogate pair). No suffix string is cut out
 * and no text is built, only the bytes {@link packKeyText} deflates.
 */
class KeyText {
  #buf = new Uint8Array(1024);
  #at = 0;

  /** Appends `k` from code unit `from` on. */
  append(k: string, from: number): void {
    const need = this.#at + 3 * (k.length - from);
    if (need > this.#buf.length) {
      const grown = new Uint8Array(Math.max(need, 2 * this.#buf.length));
      grown.set(this.#buf.subarray(0, this.#at));
      this.#buf = grown;
    }
    const buf = this.#buf;
    let at = this.#at;
    for (let j = from; j < k.length; j++) {
      const c = k.charCodeAt(j);
      if (c >= 0x80) {
        at += utf8.encodeInto(k.slice(j), buf.subarray(at)).written;
        break;
      }
      buf[at++] = c;
    }
    this.#at = at;
  }

  /** The bytes appended so far. */
  utf8(): Uint8Array {
    return this.#buf.subarray(0, this.#at);
  }
}

/**
 * Key text of at least this many UTF-8 bytes is deflated when that makes it smaller (since 1.2).
 * Automerge's columns use the same threshold: below it, DEFLATE's own header eats the gain.
 */
export const KEY_TEXT_DEFLATE_FROM = 256;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The key text (given as its UTF-8) as written: the string itself, or (with `deflate`, the
 * writer's `deflateKeyText`) the raw DEFLATE (level 6, deterministic) of its UTF-8 when that is
 * at least {@link KEY_TEXT_DEFLATE_FROM} bytes and the DEFLATE is shorter. Key text is the bulk
 * of a map's delta (front coding leaves runs of digits and shared words that DEFLATE's Huffman
 * and back-references shorten), and costs the reader one inflate.
 */
export function packKeyText(bytes: Uint8Array, deflate = true): string | Uint8Array {
  if (deflate && bytes.length >= KEY_TEXT_DEFLATE_FROM) {
    const packed = deflateSync(bytes, { level: 6 });
    if (packed.length < bytes.length) return packed;
  }
  return strictUtf8.decode(bytes);
}

/**
 * The key text of {@link packKeyText} back: a string as it is; since 1.2, bin inflated (at most
 * `maxBytes`), which must be well-formed UTF-8 of at least {@link KEY_TEXT_DEFLATE_FROM} bytes.
 */
function unpackKeyText(x: unknown, r: Reader, path: string): string {
  if (typeof x === 'string') return x;
  if (!(x instanceof Uint8Array) || r.minor < 2)
    fail(`expected the key suffixes as one string${r.minor < 2 ? '' : ' or bin'}`, path);
  const bytes = inflateBounded(x, r.limits.maxBytes, path);
  if (bytes.length < KEY_TEXT_DEFLATE_FROM)
    fail(`deflated key text must be at least ${KEY_TEXT_DEFLATE_FROM} bytes`, path);
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return fail('deflated key text is not well-formed UTF-8', path);
  }
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
  let n = readScalarKeys(scalars, keys, path);
  const strings = new FrontDecoder(r, path);
  for (let i = 0; i < suffixes.length; i++) {
    const s = suffixes[i];
    if (typeof s !== 'string') fail('expected a string suffix', `${path}.keySuffixes[${i}]`);
    keys[n++] = strings.next(prefixes[i], s, i);
  }
  strings.end();
  readByteKeys(bytes, keys, n, path);
  return keys;
}

/**
 * Reads {@link KeyRunColumns} at `parts[at..at+6)`, with the checks of {@link readKeys}; the
 * suffixes (each key's length minus its prefix) must cut the suffix string exactly, never inside
 * a surrogate pair.
 */
export function readKeyRuns(parts: unknown[], at: number, r: Reader, path: string): StoredKey[] {
  const scalars = asArray(parts[at], `${path}.scalarKeys`);
  const count = parts[at + 1];
  const all = unpackKeyText(parts[at + 4], r, `${path}.keySuffixes`);
  const bytes = asArray(parts[at + 5], `${path}.byteKeys`);
  // Every string key but a first empty one has a suffix of one code unit at least.
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0 || count > all.length + 1)
    fail('expected a string key count within the suffix string', `${path}.stringKeys`);
  const prefixes = readSmallRuns(parts[at + 2], count, `${path}.keyPrefixes`);
  const lengths = readSmallRuns(parts[at + 3], count, `${path}.keyLengths`);
  const keys: StoredKey[] = new Array(scalars.length + count + bytes.length);
  const n = readScalarKeys(scalars, keys, path);
  const strings = new FrontDecoder(r, path);
  if (cutSuffixes(all, prefixes, lengths, strings, keys, n, path) !== all.length)
    fail('key lengths must cover the suffix string', `${path}.keyLengths`);
  strings.end();
  readByteKeys(bytes, keys, n + count, path);
  return keys;
}

/**
 * The string keys into `keys` from `n`: each takes the next `length − prefix` code units of
 * `all` after its prefix. Returns how much of `all` they used. (The loop is a function of its
 * own so that the engine optimizes it alone.)
 */
function cutSuffixes(
  all: string,
  prefixes: Int32Array,
  lengths: Int32Array,
  strings: FrontDecoder,
  keys: StoredKey[],
  n: number,
  path: string,
): number {
  let from = 0;
  for (let i = 0; i < prefixes.length; i++) {
    const to = from + (lengths[i] as number) - (prefixes[i] as number);
    if (!(to >= from && to <= all.length) || (to > 0 && isHigh(all.charCodeAt(to - 1))))
      fail('key lengths must cut the suffix string between characters', `${path}.keyLengths[${i}]`);
    keys[n + i] = strings.next(prefixes[i], all.slice(from, to), i);
    from = to;
  }
  return from;
}

/** Scalar keys into `keys` from 0, ascending; returns how many. */
function readScalarKeys(scalars: unknown[], keys: StoredKey[], path: string): number {
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
  return n;
}

/** Byte keys into `keys` from `n`, ascending. */
function readByteKeys(bytes: unknown[], keys: StoredKey[], n: number, path: string): void {
  let prevBytes = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (!(b instanceof Uint8Array))
      fail(`a byte key must be bin, got ${describe(b)}`, `${path}.byteKeys[${i}]`);
    const stored = storeKey(b) as string;
    if (i > 0 && !(stored > prevBytes)) fail('keys must be strictly ascending', `${path}.byteKeys[${i}]`);
    keys[n++] = prevBytes = stored;
  }
}

/**
 * Undoes front coding one string key at a time, refusing what {@link writeKeys} would not write:
 * a prefix longer than the previous key or splitting a surrogate pair, a shared prefix left out,
 * keys not strictly ascending, and more key characters in all than `limits.maxBytes`.
 */
class FrontDecoder {
  #prev = '';
  /** The first code units of `#prev` that it shares with the key before it. */
  #stem = '';
  #chars: number;
  readonly #r: Reader;
  readonly #path: string;

  constructor(r: Reader, path: string) {
    this.#r = r;
    this.#chars = r.keyChars;
    this.#path = path;
  }

  /**
   * The `i`-th string key: `p` code units of the previous key, then `s`. The previous key's own
   * prefix (its stem) serves again when `p` is as long, which is the rule for sorted keys, so
   * most keys cost one new string besides their suffix. Keys ascend when they first differ at
   * `p` (or at `p + 1`, past a shared high surrogate) and `s` has the greater code unit there.
   */
  next(p: unknown, s: string, i: number): string {
    const prev = this.#prev;
    if (typeof p !== 'number' || !(p >= 0 && p <= prev.length) || (p | 0) !== p) {
      fail('expected a prefix length within the previous key', `${this.#path}.keyPrefixes[${i}]`);
    }
    if (p > 0 && isHigh(prev.charCodeAt(p - 1)))
      fail('the prefix splits a surrogate pair', `${this.#path}.keyPrefixes[${i}]`);
    if (i > 0) {
      let at = p;
      let c = s.charCodeAt(0);
      if (p < prev.length && c === prev.charCodeAt(p)) {
        // Only a shared high surrogate whose low half differs may stay outside the prefix.
        if (!isHigh(c) || s.charCodeAt(1) === prev.charCodeAt(p + 1)) {
          fail('the shared prefix must be as long as possible', `${this.#path}.keyPrefixes[${i}]`);
        }
        c = s.charCodeAt(1);
        at = p + 1;
      }
      // Past the previous key's end, a key ascends if it is longer; NaN (no code unit) never does.
      if (!(at < prev.length ? c > prev.charCodeAt(at) : s.length > 0))
        fail('keys must be strictly ascending', `${this.#path}.keySuffixes[${i}]`);
    }
    let stem = this.#stem;
    if (p !== stem.length) stem = p <= stem.length ? stem.slice(0, p) : prev.slice(0, p);
    const key = p === 0 ? s : stem + s;
    this.#chars += key.length;
    if (this.#chars > this.#r.limits.maxBytes) {
      fail(
        `keys hold more than ${this.#r.limits.maxBytes} characters (limit maxBytes)`,
        `${this.#path}.keySuffixes[${i}]`,
      );
    }
    this.#prev = key;
    this.#stem = stem;
    return key;
  }

  /** Records the characters read in the reader's running total. */
  end(): void {
    this.#r.keyChars = this.#chars;
  }
}
