import { type Crdt, DecodeError } from '@nlbd/core';
import { decode, encode } from '../../src/index.js';
import { fixtures } from './fixtures.ts';

/** A seeded 32-bit PRNG (mulberry32): the same seed gives the same cases. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One fuzz input and the type it is decoded as. */
export interface FuzzCase {
  readonly what: string;
  readonly crdt: Crdt<unknown, unknown>;
  readonly bytes: Uint8Array;
}

const seeds = fixtures().flatMap((f) => [
  { crdt: f.crdt, bytes: encode(f.crdt, f.state) },
  { crdt: f.crdt, bytes: encode(f.crdt, f.state, { compress: true }) },
]);

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The header of a valid encoding (everything before its msgpack body). */
function headerOf(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, 7 + (bytes[6] as number));
}

const HOSTILE: readonly number[][] = [
  [0xdd, 0xff, 0xff, 0xff, 0xff], // array32 of 2^32-1 items
  [0xdf, 0xff, 0xff, 0xff, 0xff], // map32 of 2^32-1 pairs
  [0xdb, 0xff, 0xff, 0xff, 0xff], // str32 of 2^32-1 bytes
  [0xc6, 0xff, 0xff, 0xff, 0xff], // bin32 of 2^32-1 bytes
  [0xd4, 0x00, 0x00], // fixext: msgpackr's undefined
  [0xd6, 0xff, 0, 0, 0, 0], // timestamp extension (a Date)
  [0xc7, 0x01, 0x78, 0x00], // a RegExp/structured-clone extension
  [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // uint64
  [0xc1],
  [0x81, 0xa9, ...[...'__proto__'].map((c) => c.charCodeAt(0)), 0x81, 0xa1, 0x78, 0x01], // {__proto__: {x: 1}}
  [0x81, 0xab, ...[...'constructor'].map((c) => c.charCodeAt(0)), 0xc0],
  [0xa2, 0xed, 0xa0], // a lone surrogate in WTF-8
  [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], // NaN
];

/** The `i`-th case of the stream for `seed`: a deterministic mix of every kind of attack. */
export function fuzzCases(seed: number): (i: number) => FuzzCase {
  const next = rng(seed);
  const int = (n: number) => Math.floor(next() * n);
  return () => {
    const base = seeds[int(seeds.length)] as { crdt: Crdt<unknown, unknown>; bytes: Uint8Array };
    const { crdt } = base;
    const b = base.bytes;
    switch (int(8)) {
      case 0: {
        const random = new Uint8Array(int(64));
        for (let i = 0; i < random.length; i++) random[i] = int(256);
        return { what: 'random bytes', crdt, bytes: int(2) === 0 ? random : concat(headerOf(b), random) };
      }
      case 1:
        return { what: 'truncation', crdt, bytes: b.slice(0, int(b.length)) };
      case 2: {
        const out = b.slice();
        for (let k = 1 + int(3); k > 0; k--) {
          const at = int(out.length);
          out[at] = (out[at] as number) ^ (1 << int(8));
        }
        return { what: 'bit flips', crdt, bytes: out };
      }
      case 3: {
        const out = b.slice();
        out[int(out.length)] = int(256);
        return { what: 'byte replaced', crdt, bytes: out };
      }
      case 4: {
        const at = headerOf(b).length + int(b.length - headerOf(b).length);
        const evil = HOSTILE[int(HOSTILE.length)] as number[];
        const cut = int(2) === 0 ? at : Math.min(b.length, at + evil.length);
        return {
          what: 'hostile msgpack spliced in',
          crdt,
          bytes: concat(b.subarray(0, at), evil, b.subarray(cut)),
        };
      }
      case 5: {
        const depth = int(2) === 0 ? 100_000 : 50 + int(200);
        const nest = new Uint8Array(depth + 1).fill(0x91);
        nest[depth] = 0xc0;
        return { what: `nesting ${depth} deep`, crdt, bytes: concat(headerOf(b), nest) };
      }
      case 6: {
        const out = b.slice();
        out[2] = int(2) === 0 ? 2 + int(250) : 0; // version
        out[4] = int(8); // kind
        out[5] = int(4); // flags
        return { what: 'header fields', crdt, bytes: out };
      }
      default: {
        // Many small mutations of a compressed or plain encoding at once.
        const out = b.slice();
        for (let k = 2 + int(8); k > 0; k--)
          out[headerOf(b).length + int(out.length - headerOf(b).length)] = int(256);
        return { what: 'body scrambled', crdt, bytes: out };
      }
    }
  };
}

/** What decoding a case gave: a state (checked to re-encode and decode equal) or a DecodeError. */
export type Outcome = 'decoded' | 'refused';

/**
 * Decodes `c` and returns the outcome; throws if anything but a `DecodeError` escaped, or if a
 * decoded state does not survive its own round trip (it would not be a valid state).
 */
export function runCase(c: FuzzCase): Outcome {
  let state: unknown;
  try {
    state = decode(c.crdt, c.bytes, { maxDepth: 64 });
  } catch (error) {
    if (error instanceof DecodeError) return 'refused';
    throw new Error(`${c.what}: ${String(error)} escaped as ${(error as Error)?.constructor?.name}`, {
      cause: error,
    });
  }
  const again = decode(c.crdt, encode(c.crdt, state));
  if (!c.crdt.equals(again, state)) throw new Error(`${c.what}: decoded a state that does not round-trip`);
  return 'decoded';
}
