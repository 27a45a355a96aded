import { DecodeError } from '@nlbd/core';
import type { ResolvedLimits } from './limits.js';

/**
 * Whether `b[from..to)` is well-formed UTF-8: no overlong forms, no surrogate code points, nothing
 * above U+10FFFF. Decoded strings then never hold lone surrogates and re-encode to the same bytes.
 */
export function isWellFormedUtf8(b: Uint8Array, from: number, to: number): boolean {
  let i = from;
  while (i < to) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return false;
    if (i + need >= to) return false;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k] as number;
      if ((cc & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

function fail(reason: string, at: number): never {
  throw new DecodeError(`${reason} (at byte ${at} of the body)`, 'body');
}

/**
 * Checks, without allocating anything per item, that `b` holds exactly one msgpack value of the
 * plain-data subset nlbd uses, within `limits`: every declared length fits in the bytes that
 * remain, nesting stays within `maxDepth`, the items of all arrays and maps together stay within
 * `maxEntries`, strings are well-formed UTF-8, and nothing follows the value. Refused outright:
 * extension types (so no timestamps, records, `undefined` or structured clones), 64-bit integer
 * types (nlbd writes integers beyond 32 bits as float64) and the reserved byte 0xc1.
 * Only after this passes is the body handed to msgpackr, whose recursion it thereby bounds.
 */
export function checkStructure(b: Uint8Array, limits: ResolvedLimits): void {
  const end = b.length;
  const stack: number[] = [];
  let pos = 0;
  let remaining = 1;
  let entries = 0;
  for (;;) {
    if (remaining === 0) {
      if (stack.length === 0) break;
      remaining = stack.pop() as number;
      continue;
    }
    remaining--;
    if (pos >= end) fail('truncated: a value is missing', pos);
    const at = pos;
    const t = b[pos++] as number;
    if (t < 0x80 || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) continue;
    let items = -1;
    let length = -1;
    let fixed = 0;
    if (t < 0x90) items = 2 * (t & 0x0f);
    else if (t < 0xa0) items = t & 0x0f;
    else if (t < 0xc0) length = t & 0x1f;
    else {
      switch (t) {
        case 0xc4:
        case 0xd9:
          if (pos + 1 > end) fail('truncated length', at);
          length = b[pos++] as number;
          break;
        case 0xc5:
        case 0xda:
          if (pos + 2 > end) fail('truncated length', at);
          length = ((b[pos] as number) << 8) | (b[pos + 1] as number);
          pos += 2;
          break;
        case 0xc6:
        case 0xdb:
          length = readUint32(b, pos, at);
          pos += 4;
          break;
        case 0xcc:
        case 0xd0:
          fixed = 1;
          break;
        case 0xcd:
        case 0xd1:
          fixed = 2;
          break;
        case 0xce:
        case 0xd2:
        case 0xca:
          fixed = 4;
          break;
        case 0xcb:
          fixed = 8;
          break;
        case 0xdc:
          if (pos + 2 > end) fail('truncated length', at);
          items = ((b[pos] as number) << 8) | (b[pos + 1] as number);
          pos += 2;
          break;
        case 0xdd:
          items = readUint32(b, pos, at);
          pos += 4;
          break;
        case 0xde:
          if (pos + 2 > end) fail('truncated length', at);
          items = 2 * (((b[pos] as number) << 8) | (b[pos + 1] as number));
          pos += 2;
          break;
        case 0xdf:
          items = 2 * readUint32(b, pos, at);
          pos += 4;
          break;
        case 0xcf:
        case 0xd3:
          fail('64-bit integer types are not part of the format', at);
          break;
        case 0xc1:
          fail('reserved msgpack byte 0xc1', at);
          break;
        default:
          fail(`msgpack extension type 0x${t.toString(16)} is refused`, at);
      }
    }
    if (fixed > 0) {
      if (fixed > end - pos) fail('truncated number', at);
      pos += fixed;
    } else if (length >= 0) {
      if (length > end - pos) fail(`declared length ${length} exceeds the ${end - pos} bytes left`, at);
      if (t >= 0xa0 && t !== 0xc4 && t !== 0xc5 && t !== 0xc6 && !isWellFormedUtf8(b, pos, pos + length)) {
        fail('string is not well-formed UTF-8', at);
      }
      pos += length;
    } else if (items > 0) {
      // Each item takes at least one byte, so this bounds every allocation msgpackr makes.
      if (items > end - pos) fail(`declared ${items} items but only ${end - pos} bytes are left`, at);
      entries += items;
      if (entries > limits.maxEntries) fail(`more than ${limits.maxEntries} entries (limit maxEntries)`, at);
      if (stack.length + 1 >= limits.maxDepth)
        fail(`nesting deeper than ${limits.maxDepth} (limit maxDepth)`, at);
      stack.push(remaining);
      remaining = items;
    }
  }
  if (pos !== end) fail(`${end - pos} bytes follow the value`, pos);
}

function readUint32(b: Uint8Array, pos: number, at: number): number {
  if (pos + 4 > b.length) fail('truncated length', at);
  return (
    (b[pos] as number) * 0x1000000 +
    (((b[pos + 1] as number) << 16) | ((b[pos + 2] as number) << 8) | (b[pos + 3] as number))
  );
}
