import { FORMAT_VERSION } from '@nlbd/codec';
import { DecodeError, ValidationError } from '@nlbd/core';
import {
  assertName,
  decodeFrame,
  encodeFrame,
  type Frame,
  MAX_CHANNEL,
  MAX_DOCUMENT_NAME,
  MAX_PRESENCE_KEY,
} from '@nlbd/net';
import { describe, expect, it } from 'vitest';

const FRAMES: Frame[] = [
  { type: 'welcome', peer: 'c1', idleTimeoutMs: 45_000 },
  { type: 'subscribe', channel: 1, doc: 'notes', crdt: 'ormap<orset>' },
  { type: 'subscribed', channel: 1, writable: true },
  { type: 'unsubscribe', channel: MAX_CHANNEL },
  { type: 'sync', channel: 2, bytes: new Uint8Array([1, 2, 3]) },
  { type: 'set-presence', channel: 2, key: 'cursor', value: '{"line":3}', ttlMs: 1000 },
  { type: 'set-presence', channel: 2, key: 'cursor', value: null, ttlMs: 0 },
  { type: 'presence', channel: 2, peer: 'c7', key: 'name', value: '"Ada"', ttlMs: 10 },
  { type: 'error', channel: null, code: 'forbidden', message: 'no' },
  { type: 'error', channel: 3, code: 'type-mismatch', message: "document 'x' holds a gcounter" },
  { type: 'ping', nonce: 0 },
  { type: 'pong', nonce: 99 },
  { type: 'delete', channel: 3 },
];

describe('frames', () => {
  it('round-trip every frame type', () => {
    for (const frame of FRAMES) {
      const back = decodeFrame(encodeFrame(frame));
      expect(back).toEqual(frame);
    }
  });

  it('encode a ping as a stable, small message (golden bytes)', () => {
    const hex = Buffer.from(encodeFrame({ type: 'ping', nonce: 7 })).toString('hex');
    // magic 'nl', the codec's version, kind message, no flags, tag 'nlbd.net', msgpack [[], [8, 7]].
    const version = Buffer.from([FORMAT_VERSION.major, FORMAT_VERSION.minor]).toString('hex');
    expect(hex).toBe(`6e6c${version}040008${Buffer.from('nlbd.net').toString('hex')}9290920807`);
  });

  it('refuse malformed frames with a DecodeError: tags, arity, field types, ranges', () => {
    const bad: unknown[][] = [
      [11, 1],
      [-1],
      [10],
      [10, 'notes'],
      ['ping', 1],
      [8],
      [8, 1, 2],
      [8, -1],
      [8, MAX_CHANNEL + 1],
      [8, 1.5],
      [2, 1, 'yes'],
      [4, 1, 'not bytes'],
      [7, 1, 'no-such-code', 'm'],
      [1, 1, 7, 'orset'],
      [5, 1, 'k', 5, 10],
    ];
    // The hand-built envelope is sound: the same payloads, well-formed, decode.
    expect(decodeFrame(frameBytes([8, 7]))).toEqual({ type: 'ping', nonce: 7 });
    expect(decodeFrame(frameBytes([8, MAX_CHANNEL]))).toEqual({ type: 'ping', nonce: MAX_CHANNEL });
    expect(decodeFrame(frameBytes([10, 3]))).toEqual({ type: 'delete', channel: 3 });
    expect(decodeFrame(frameBytes([1, 1, 'doc', 'orset']))).toMatchObject({ type: 'subscribe', doc: 'doc' });
    for (const payload of bad) {
      expect(() => decodeFrame(frameBytes(payload)), JSON.stringify(payload)).toThrow(DecodeError);
    }
    expect(() => decodeFrame(new Uint8Array([1, 2, 3]))).toThrow(DecodeError);
    expect(() => decodeFrame(encodeFrame(FRAMES[0] as Frame), { maxBytes: 8 })).toThrow(/maxBytes/);
  });
});

/** The envelope of a frame around an arbitrary msgpack payload array (small ints and strings only). */
function frameBytes(payload: unknown[]): Uint8Array {
  const head = encodeFrame({ type: 'ping', nonce: 7 });
  const prefix = head.subarray(0, head.length - 5); // up to the body [[], [8, 7]]
  const body = [0x92, 0x90, 0x90 + payload.length, ...payload.flatMap(pack)];
  return new Uint8Array([...prefix, ...body]);
}

function pack(x: unknown): number[] {
  if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < 128) return [x];
  if (typeof x === 'number' && Number.isInteger(x) && x < 0 && x >= -32) return [x & 0xff];
  if (typeof x === 'number' && Number.isInteger(x) && x > 0 && x <= MAX_CHANNEL) {
    return [0xce, ...new Uint8Array(new Uint32Array([x]).buffer).reverse()];
  }
  if (typeof x === 'number') return [0xcb, ...new Uint8Array(new Float64Array([x]).buffer).reverse()];
  if (typeof x === 'string') return [0xa0 + x.length, ...Buffer.from(x)];
  throw new Error(`cannot pack ${String(x)}`);
}

describe('assertName', () => {
  it('accepts names of 1 to max UTF-8 bytes without control characters or lone surrogates', () => {
    for (const ok of ['a', 'notes/2024', 'ünïcode ✓', '😀', 'x'.repeat(MAX_DOCUMENT_NAME)]) {
      expect(() => assertName(ok, MAX_DOCUMENT_NAME, 'doc')).not.toThrow();
    }
    const bad: unknown[] = [
      '',
      'a\u0000',
      'tab\there',
      '\u0085',
      '\ud800',
      'x\udc00',
      'x'.repeat(MAX_DOCUMENT_NAME + 1),
      'é'.repeat(MAX_DOCUMENT_NAME / 2 + 1),
      7,
      null,
    ];
    for (const name of bad) expect(() => assertName(name, MAX_DOCUMENT_NAME, 'doc')).toThrow(ValidationError);
    expect(() => assertName('k'.repeat(MAX_PRESENCE_KEY + 1), MAX_PRESENCE_KEY, 'key')).toThrow(/128/);
  });
});
