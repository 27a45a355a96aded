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

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// The body being read. Module state, set by every `unpackChecked` call: decoding is synchronous
// and calls nothing that could re-enter it.
let src: Uint8Array = EMPTY;
let view: DataView | undefined;
let pos = 0;
/** Where the body starts in `src`: positions in errors count from there. */
let base = 0;
let entries = 0;
let maxEntries = 0;
let maxDepth = 0;

function fail(reason: string, at: number): never {
  throw new DecodeError(`${reason} (at byte ${at - base} of the body)`, 'body');
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
  src = bytes;
  view = undefined;
  pos = start;
  base = start;
  entries = 0;
  maxEntries = limits.maxEntries;
  maxDepth = limits.maxDepth;
  try {
    const value = read(0);
    if (pos !== bytes.length) fail(`${bytes.length - pos} bytes follow the value`, pos);
    return value;
  } finally {
    src = EMPTY;
    view = undefined;
  }
}

function read(depth: number): unknown {
  const at = pos;
  if (pos >= src.length) fail('truncated: a value is missing', pos);
  const t = src[pos++] as number;
  if (t < 0x80) return t;
  if (t >= 0xe0) return t - 0x100;
  if (t < 0x90) return readMap(t & 0x0f, depth, at);
  if (t < 0xa0) return readArray(t & 0x0f, depth, at);
  if (t < 0xc0) return readString(t & 0x1f, at);
  switch (t) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return readBin(length(1, at), at);
    case 0xc5:
      return readBin(length(2, at), at);
    case 0xc6:
      return readBin(length(4, at), at);
    case 0xca:
      return data().getFloat32(skip(4, at));
    case 0xcb:
      return data().getFloat64(skip(8, at));
    case 0xcc:
      return src[skip(1, at)] as number;
    case 0xcd:
      return data().getUint16(skip(2, at));
    case 0xce:
      return data().getUint32(skip(4, at));
    case 0xd0:
      return data().getInt8(skip(1, at));
    case 0xd1:
      return data().getInt16(skip(2, at));
    case 0xd2:
      return data().getInt32(skip(4, at));
    case 0xd9:
      return readString(length(1, at), at);
    case 0xda:
      return readString(length(2, at), at);
    case 0xdb:
      return readString(length(4, at), at);
    case 0xdc:
      return readArray(length(2, at), depth, at);
    case 0xdd:
      return readArray(length(4, at), depth, at);
    case 0xde:
      return readMap(length(2, at), depth, at);
    case 0xdf:
      return readMap(length(4, at), depth, at);
    case 0xcf:
    case 0xd3:
      return fail('64-bit integer types are not part of the format', at);
    case 0xc1:
      return fail('reserved msgpack byte 0xc1', at);
    default:
      return fail(`msgpack extension type 0x${t.toString(16)} is refused`, at);
  }
}

/** The offset of the `n` bytes of a number, after checking they are there; moves past them. */
function skip(n: number, at: number): number {
  if (n > src.length - pos) fail('truncated number', at);
  pos += n;
  return pos - n;
}

function data(): DataView {
  view ??= new DataView(src.buffer, src.byteOffset, src.byteLength);
  return view;
}

/** A big-endian unsigned length field of `n` bytes. */
function length(n: number, at: number): number {
  if (n > src.length - pos) fail('truncated length', at);
  let x = 0;
  for (let i = 0; i < n; i++) x = x * 256 + (src[pos++] as number);
  return x;
}

/** Checks that `items` items can follow (each takes a byte at least) and counts them. */
function container(items: number, depth: number, at: number): void {
  if (items > src.length - pos)
    fail(`declared ${items} items but only ${src.length - pos} bytes are left`, at);
  entries += items;
  if (entries > maxEntries) fail(`more than ${maxEntries} entries (limit maxEntries)`, at);
  if (depth + 1 >= maxDepth) fail(`nesting deeper than ${maxDepth} (limit maxDepth)`, at);
}

function readArray(n: number, depth: number, at: number): unknown[] {
  if (n === 0) return [];
  container(n, depth, at);
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = read(depth + 1);
  return out;
}

function readMap(n: number, depth: number, at: number): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>();
  if (n === 0) return out;
  container(2 * n, depth, at);
  for (let i = 0; i < n; i++) {
    const key = read(depth + 1);
    out.set(key, read(depth + 1));
  }
  if (out.size !== n) fail('a map key appears twice', at);
  return out;
}

function readBin(n: number, at: number): Uint8Array {
  if (n > src.length - pos) fail(`declared length ${n} exceeds the ${src.length - pos} bytes left`, at);
  const out = new Uint8Array(n);
  out.set(src.subarray(pos, pos + n));
  pos += n;
  return out;
}

function readString(n: number, at: number): string {
  if (n > src.length - pos) fail(`declared length ${n} exceeds the ${src.length - pos} bytes left`, at);
  const start = pos;
  pos += n;
  if (n > 64) return decodeUtf8(start, at);
  // Short ASCII strings (ids, keys, suffixes) without a call into the TextDecoder.
  for (let i = start; i < pos; i++) if ((src[i] as number) >= 0x80) return decodeUtf8(start, at);
  if (n < 13) {
    let s = '';
    for (let i = start; i < pos; i++) s += String.fromCharCode(src[i] as number);
    return s;
  }
  return String.fromCharCode.apply(null, src.subarray(start, pos) as unknown as number[]);
}

function decodeUtf8(start: number, at: number): string {
  try {
    // Fatal: overlong forms, surrogate code points and anything past U+10FFFF are errors.
    return utf8.decode(src.subarray(start, pos));
  } catch {
    return fail('string is not well-formed UTF-8', at);
  }
}
