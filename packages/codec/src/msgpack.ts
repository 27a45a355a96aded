import { DecodeError } from '@nlbd/core';
import { Packr } from 'msgpackr';
import type { ResolvedLimits } from './limits.js';

// Plain data only: no records (which reinterpret fixints 0x40-0x7f), no structured clone or
// extra types, integers beyond 32 bits as float64.
const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  useFloat32: 0,
  variableMapSize: true,
});

/** msgpack bytes of `value` (arrays, `Map`s, numbers, strings, booleans, null, `Uint8Array`s). */
export function pack(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Where {@link BodyReader.float} puts a float's bytes to read them. */
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** ASCII strings up to this length are looked up in {@link shortStrings} before being built. */
const SHORT = 12;
/**
 * Short ASCII strings lately decoded, by a hash of their bytes: replica ids, tags and small keys
 * repeat from message to message, and a string found here is neither built again nor hashed again
 * by the maps and sets it is looked up in.
 */
const shortStrings: (string | undefined)[] = new Array(4096);

/** The ASCII string of `src[start..end)` (at most {@link SHORT} bytes), from the cache if there. */
function shortString(src: Uint8Array, start: number, end: number): string {
  let h = end - start;
  for (let i = start; i < end; i++) h = (h * 31 + (src[i] as number)) | 0;
  const slot = h & 4095;
  const hit = shortStrings[slot];
  if (hit !== undefined && hit.length === end - start) {
    let same = true;
    for (let i = 0; i < hit.length; i++) {
      if (hit.charCodeAt(i) !== src[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return hit;
  }
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(src[i] as number);
  shortStrings[slot] = s;
  return s;
}

/**
 * The one msgpack value the body (`bytes` from `start` to the end; a view would cost more than
 * reading a small message) holds, of the plain-data subset nlbd uses, read in one bounded
 * pass: every declared length is checked against the bytes that remain before anything is
 * allocated for it, nesting stays within `maxDepth`, the items of all arrays and maps together
 * stay within `maxEntries`, strings are well-formed UTF-8, map keys are distinct, and nothing
 * follows the value. Refused outright: extension types (so no timestamps, records, `undefined`
 * or structured clones), 64-bit integer types (nlbd writes integers beyond 32 bits as float64)
 * and the reserved byte 0xc1. Maps decode as `Map`s (so a key `'__proto__'` stays an ordinary
 * key), bin as fresh `Uint8Array`s that share nothing with `bytes`. Every failure is a
 * `DecodeError`.
 */
export function unpackChecked(bytes: Uint8Array, limits: ResolvedLimits, start = 0): unknown {
  return new BodyReader(bytes, limits, start).body();
}

/**
 * One pass over one body. The cursor is an object's fields rather than module variables, which
 * the engine would check for initialization at every access.
 */
class BodyReader {
  readonly src: Uint8Array;
  pos: number;
  /** Where the body starts in `src`: positions in errors count from there. */
  readonly base: number;
  entries = 0;
  readonly maxEntries: number;
  readonly maxDepth: number;

  constructor(bytes: Uint8Array, limits: ResolvedLimits, start: number) {
    this.src = bytes;
    this.pos = start;
    this.base = start;
    this.maxEntries = limits.maxEntries;
    this.maxDepth = limits.maxDepth;
  }

  body(): unknown {
    const value = this.read(0);
    if (this.pos !== this.src.length)
      this.fail(`${this.src.length - this.pos} bytes follow the value`, this.pos);
    return value;
  }

  fail(reason: string, at: number): never {
    throw new DecodeError(`${reason} (at byte ${at - this.base} of the body)`, 'body');
  }

  read(depth: number): unknown {
    const src = this.src;
    const at = this.pos;
    if (at >= src.length) this.fail('truncated: a value is missing', at);
    const t = src[at] as number;
    this.pos = at + 1;
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t < 0x90) return this.readMap(t & 0x0f, depth, at);
    if (t < 0xa0) return this.readArray(t & 0x0f, depth, at);
    if (t < 0xc0) return this.readString(t & 0x1f, at);
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.readBin(this.uint(1, at, 'length'), at);
      case 0xc5:
        return this.readBin(this.uint(2, at, 'length'), at);
      case 0xc6:
        return this.readBin(this.uint(4, at, 'length'), at);
      case 0xca:
        return this.float(4, at);
      case 0xcb:
        return this.float(8, at);
      case 0xcc:
        return this.uint(1, at, 'number');
      case 0xcd:
        return this.uint(2, at, 'number');
      case 0xce:
        return this.uint(4, at, 'number');
      case 0xd0: {
        const x = this.uint(1, at, 'number');
        return x >= 0x80 ? x - 0x100 : x;
      }
      case 0xd1: {
        const x = this.uint(2, at, 'number');
        return x >= 0x8000 ? x - 0x10000 : x;
      }
      case 0xd2:
        return this.uint(4, at, 'number') | 0;
      case 0xd9:
        return this.readString(this.uint(1, at, 'length'), at);
      case 0xda:
        return this.readString(this.uint(2, at, 'length'), at);
      case 0xdb:
        return this.readString(this.uint(4, at, 'length'), at);
      case 0xdc:
        return this.readArray(this.uint(2, at, 'length'), depth, at);
      case 0xdd:
        return this.readArray(this.uint(4, at, 'length'), depth, at);
      case 0xde:
        return this.readMap(this.uint(2, at, 'length'), depth, at);
      case 0xdf:
        return this.readMap(this.uint(4, at, 'length'), depth, at);
      case 0xcf:
      case 0xd3:
        return this.fail('64-bit integer types are not part of the format', at);
      case 0xc1:
        return this.fail('reserved msgpack byte 0xc1', at);
      default:
        return this.fail(`msgpack extension type 0x${t.toString(16)} is refused`, at);
    }
  }

  /**
   * A big-endian unsigned integer of `n` bytes (a number or a length field), after checking they
   * are there; moves past them. Read byte by byte: a `DataView` of the body would cost more to
   * make than a small message takes to read.
   */
  uint(n: number, at: number, what: 'number' | 'length'): number {
    const src = this.src;
    let pos = this.pos;
    if (n > src.length - pos) this.fail(`truncated ${what}`, at);
    let x = 0;
    for (let i = 0; i < n; i++) x = x * 256 + (src[pos++] as number);
    this.pos = pos;
    return x;
  }

  /** A big-endian float of `n` (4 or 8) bytes, through one scratch view shared by every read. */
  float(n: 4 | 8, at: number): number {
    const src = this.src;
    const pos = this.pos;
    if (n > src.length - pos) this.fail('truncated number', at);
    for (let i = 0; i < n; i++) floatBytes[i] = src[pos + i] as number;
    this.pos = pos + n;
    return n === 4 ? floatView.getFloat32(0) : floatView.getFloat64(0);
  }

  /** Checks that `items` items can follow (each takes a byte at least) and counts them. */
  container(items: number, depth: number, at: number): void {
    const left = this.src.length - this.pos;
    if (items > left) this.fail(`declared ${items} items but only ${left} bytes are left`, at);
    this.entries += items;
    if (this.entries > this.maxEntries)
      this.fail(`more than ${this.maxEntries} entries (limit maxEntries)`, at);
    if (depth + 1 >= this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} (limit maxDepth)`, at);
  }

  readArray(n: number, depth: number, at: number): unknown[] {
    if (n === 0) return [];
    this.container(n, depth, at);
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.read(depth + 1);
    return out;
  }

  readMap(n: number, depth: number, at: number): Map<unknown, unknown> {
    const out = new Map<unknown, unknown>();
    if (n === 0) return out;
    this.container(2 * n, depth, at);
    for (let i = 0; i < n; i++) {
      const key = this.read(depth + 1);
      out.set(key, this.read(depth + 1));
    }
    if (out.size !== n) this.fail('a map key appears twice', at);
    return out;
  }

  readBin(n: number, at: number): Uint8Array {
    const pos = this.pos;
    const left = this.src.length - pos;
    if (n > left) this.fail(`declared length ${n} exceeds the ${left} bytes left`, at);
    const out = new Uint8Array(n);
    out.set(this.src.subarray(pos, pos + n));
    this.pos = pos + n;
    return out;
  }

  readString(n: number, at: number): string {
    const src = this.src;
    const start = this.pos;
    if (n > src.length - start)
      this.fail(`declared length ${n} exceeds the ${src.length - start} bytes left`, at);
    const end = start + n;
    this.pos = end;
    if (n > 64) return this.decodeUtf8(start, end, at);
    // Short ASCII strings (ids, keys, suffixes) without a call into the TextDecoder.
    for (let i = start; i < end; i++) if ((src[i] as number) >= 0x80) return this.decodeUtf8(start, end, at);
    if (n <= SHORT) return shortString(src, start, end);
    return String.fromCharCode.apply(null, src.subarray(start, end) as unknown as number[]);
  }

  decodeUtf8(start: number, end: number, at: number): string {
    try {
      // Fatal: overlong forms, surrogate code points and anything past U+10FFFF are errors.
      return utf8.decode(this.src.subarray(start, end));
    } catch {
      return this.fail('string is not well-formed UTF-8', at);
    }
  }
}
