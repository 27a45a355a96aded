import { fail } from './wire.js';

/**
 * Integer columns as one msgpack bin each (format 1.1): a sequence of groups, each a signed
 * varint header `g` then varints. `g ≥ 2` is a run: the one value that follows repeats `g` times;
 * `g ≤ -1` is a literal group: `-g` values follow. Canonical (so equal columns give equal bytes,
 * and the decoder refuses anything else): every stretch of ≥ 2 equal adjacent values is one run,
 * so no value equals the one before it unless both are in one run, and two literal groups are
 * never adjacent.
 *
 * A varint is sign and magnitude, little-endian base 128: the first byte holds the continuation
 * bit, the sign bit (`0x40`) and the low 6 bits of the magnitude, each further byte the
 * continuation bit and 7 more bits. Minimal: no `-0`, no final byte of 0. Magnitudes are safe
 * integers, so a varint takes at most 8 bytes.
 */
export function writeRuns(values: ArrayLike<number>): Uint8Array {
  const out = new VarintBuffer(values.length + 8);
  const n = values.length;
  let i = 0;
  while (i < n) {
    const v = values[i] as number;
    let j = i + 1;
    while (j < n && values[j] === v) j++;
    if (j - i >= 2) {
      out.varint(j - i);
      out.varint(v);
      i = j;
      continue;
    }
    // A literal group: up to the next value that starts a run.
    let end = i + 1;
    while (end < n && (end + 1 >= n || values[end + 1] !== values[end])) end++;
    out.varint(i - end);
    for (let k = i; k < end; k++) out.varint(values[k] as number);
    i = end;
  }
  return out.bytes();
}

/** Varints into a byte array that doubles when full. */
class VarintBuffer {
  #buf: Uint8Array;
  #pos = 0;

  constructor(capacity: number) {
    this.#buf = new Uint8Array(capacity);
  }

  /** Appends `v` as a varint (see {@link writeRuns}): at most 8 bytes. */
  varint(v: number): void {
    if (this.#pos + 8 > this.#buf.length) {
      const grown = new Uint8Array(2 * this.#buf.length + 8);
      grown.set(this.#buf);
      this.#buf = grown;
    }
    const buf = this.#buf;
    let pos = this.#pos;
    let m = v < 0 ? -v : v;
    let first = (m % 64) | (v < 0 ? 0x40 : 0);
    m = Math.floor(m / 64);
    if (m > 0) first |= 0x80;
    buf[pos++] = first;
    while (m > 0) {
      const low = m % 128;
      m = Math.floor(m / 128);
      buf[pos++] = m > 0 ? low | 0x80 : low;
    }
    this.#pos = pos;
  }

  /** A copy of the bytes written. */
  bytes(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }
}

/** The decoder's place in a column: the bytes and the position of the next varint. */
interface Cursor {
  readonly bytes: Uint8Array;
  pos: number;
  readonly path: string;
}

/** The next varint of a column, refusing truncated, non-minimal or unsafe ones and `-0`. */
function varint(c: Cursor): number {
  const b = c.bytes;
  if (c.pos >= b.length) fail('truncated column', c.path);
  const first = b[c.pos++] as number;
  let m = first & 0x3f;
  if (first & 0x80) m = varintTail(c, m);
  if ((first & 0x40) === 0) return m;
  if (m === 0) fail('a varint is -0', c.path);
  return -m;
}

/** The continuation bytes of a varint whose first byte gave the low 6 bits `low`. */
function varintTail(c: Cursor, low: number): number {
  const b = c.bytes;
  let m = low;
  let scale = 64;
  for (;;) {
    if (c.pos >= b.length) fail('truncated varint', c.path);
    const x = b[c.pos++] as number;
    m += (x & 0x7f) * scale;
    if ((x & 0x80) === 0) {
      if (x === 0) fail('a varint is not minimal', c.path);
      break;
    }
    scale *= 128;
    if (scale > 2 ** 53) fail('a varint is longer than 8 bytes', c.path);
  }
  if (m > Number.MAX_SAFE_INTEGER) fail('a varint exceeds the safe integer range', c.path);
  return m;
}

/**
 * The `n` values of a {@link writeRuns} column (a bin; at most `n` values are ever allocated,
 * whatever runs the bytes declare). Always a `Float64Array`, so the engine sees one kind of
 * column everywhere. One-byte varints (most headers and values) are read in the loop itself;
 * longer ones through {@link varint}.
 */
export function readRuns(x: unknown, n: number, path: string): Float64Array {
  if (!(x instanceof Uint8Array)) fail('expected a bin column', path);
  const c: Cursor = { bytes: x, pos: 0, path };
  const out = new Float64Array(n);
  const end = x.length;
  let pos = 0;
  let i = 0;
  let last = 0;
  let literalBefore = false;
  while (pos < end) {
    let g = x[pos] as number;
    if (g < 0x40) pos++;
    else {
      c.pos = pos;
      g = varint(c);
      pos = c.pos;
    }
    const literal = g < 0;
    const count = literal ? -g : g;
    if (g === 0 || g === 1) fail(`group header ${g} is neither a run (≥ 2) nor literals (≤ -1)`, path);
    if (count > n - i) fail(`the column holds more than ${n} values`, path);
    if (literal && literalBefore) fail('two literal groups are adjacent', path);
    literalBefore = literal;
    const stop = i + count;
    for (let k = literal ? count : 1; k > 0; k--) {
      let v: number;
      const b = pos < end ? (x[pos] as number) : 0x80;
      if (b < 0x40) {
        v = b;
        pos++;
      } else {
        c.pos = pos;
        v = varint(c);
        pos = c.pos;
      }
      // Only a run may repeat a value: that is what makes the encoding canonical.
      if (i > 0 && v === last) fail('equal adjacent values must be one run', path);
      last = v;
      out[i++] = v;
    }
    while (i < stop) out[i++] = last;
  }
  if (i !== n) fail(`expected ${n} values, got ${i}`, path);
  return out;
}

/**
 * A {@link readRuns} column of small integers (prefix and key lengths, row gaps, table indexes:
 * all below 2^30, the longest a string can be), as an `Int32Array`, so they reach the code that
 * uses them as small integers.
 */
export function readSmallRuns(x: unknown, n: number, path: string): Int32Array {
  const values = readRuns(x, n, path);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v >= 2 ** 30 || v <= -(2 ** 30)) fail('a length or index is out of range', `${path}[${i}]`);
    out[i] = v;
  }
  return out;
}

/**
 * A delta-coded {@link readRuns} column, summed: each value is the previous one plus the item
 * (the first plus 0) and must be a safe integer ≥ `min`.
 */
export function readDeltas(x: unknown, n: number, path: string, min: number): Float64Array {
  const out = readRuns(x, n, path);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += out[i] as number;
    if (!Number.isSafeInteger(acc) || acc < min)
      fail(`values must be safe integers ≥ ${min}`, `${path}[${i}]`);
    out[i] = acc;
  }
  return out;
}

/**
 * Replaces each of `values` by its difference from the one before (the first minus 0), in place,
 * for a delta-coded column; returns `values`.
 */
export function toDeltas(values: Float64Array): Float64Array {
  let prev = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    values[i] = v - prev;
    prev = v;
  }
  return values;
}
