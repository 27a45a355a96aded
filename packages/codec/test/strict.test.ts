import { DecodeError, DotContext, HybridLogicalClock } from '@nlbd/core';
import { GCounter, LWWMap, type LWWMapState, MVRegister, ORMap, ORSet, PNCounter } from '@nlbd/crdts';
import { deflateSync, inflateSync } from 'fflate';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { inflateBounded } from '../src/envelope.js';
import {
  decode,
  decodeDigest,
  decodeInto,
  encode,
  encodeDigest,
  FORMAT_VERSION,
  inspect,
  registerMessage,
} from '../src/index.js';
import { KEY_TEXT_DEFLATE_FROM } from '../src/keys.js';
import { writeRuns } from '../src/runs.js';

const plain = new Packr({ useRecords: false });
const header = (tag: string, major = 1, kind = 1, minor = 0, flags = 0) => [
  0x6e,
  0x6c,
  major,
  minor,
  kind,
  flags,
  tag.length,
  ...[...tag].map((c) => c.charCodeAt(0)),
];
/** An envelope around any msgpack value, to hand-craft hostile bodies. */
const craft = (tag: string, body: unknown) => new Uint8Array([...header(tag), ...plain.pack(body)]);
const raw = (tag: string, body: number[]) => new Uint8Array([...header(tag), ...body]);
const refuses = (f: () => unknown, message: RegExp) => {
  expect(f).toThrow(DecodeError);
  expect(f).toThrow(message);
};

describe('envelope', () => {
  const bytes = encode(GCounter, new Map([['a', 1]]));
  it('refuses a newer major version clearly, and reads older minors', () => {
    const newer = bytes.slice();
    newer[2] = 2;
    refuses(() => decode(GCounter, newer), /format version 2\.\d+ is newer than this decoder reads \(1\.x\)/);
    const otherMinor = bytes.slice();
    otherMinor[3] = 7;
    expect(decode(GCounter, otherMinor).get('a')).toBe(1);
  });
  it('refuses bad magic, unknown kinds and flags, empty input and non-bytes', () => {
    refuses(() => decode(GCounter, new Uint8Array()), /truncated/);
    refuses(() => decode(GCounter, new Uint8Array([0, 0, 1, 0, 1, 0, 0])), /bad magic/);
    const kind = bytes.slice();
    kind[4] = 9;
    refuses(() => decode(GCounter, kind), /unknown kind/);
    const flags = bytes.slice();
    flags[5] = 0x80;
    refuses(() => decode(GCounter, flags), /unknown flags/);
    refuses(() => decode(GCounter, 'nope' as unknown as Uint8Array), /Uint8Array/);
    refuses(() => decodeDigest(bytes), /expected a digest/);
  });
  it('refuses a compressed body that inflates past its declared length (bomb)', () => {
    const counts = new Map(Array.from({ length: 200 }, (_, i) => [`replica-${i}`, 1]));
    const big = encode(GCounter, counts, { compress: true });
    expect(inspect(big).compressed).toBe(true);
    const lying = big.slice();
    new DataView(lying.buffer).setUint32(7 + 'gcounter'.length, 3);
    refuses(() => decode(GCounter, lying), /inflates past 3 bytes|inflates to/);
    const huge = big.slice();
    new DataView(huge.buffer).setUint32(7 + 'gcounter'.length, 0xffffffff);
    refuses(() => decode(GCounter, huge), /limit maxBytes/);
  });
});

describe('bounded inflation', () => {
  const sample = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7919) % 61);
  it('inflates exactly, whether its one-pass buffer holds the output or not', () => {
    // Ordinary text fits the one-pass buffer; runs of one byte (ratio ~1000) overflow it and
    // are inflated again by the streaming path; a limit below 1032x the input skips the pass.
    for (const raw of [sample(5_000), new Uint8Array(300_000).fill(0x61), sample(70_000)]) {
      const z = deflateSync(raw, { level: 6 });
      for (const max of [raw.length, raw.length * 2, z.length * 1032, 1 << 26]) {
        if (max < raw.length) continue;
        expect(inflateBounded(z, max, 'x')).toEqual(raw);
      }
    }
  });
  it('refuses output past the limit, corrupt or unfinished streams, on either path', () => {
    const raw = new Uint8Array(300_000).fill(0x61);
    const z = deflateSync(raw, { level: 9 });
    for (const max of [raw.length - 1, 1 << 26]) {
      if (max < raw.length) refuses(() => inflateBounded(z, max, 'x'), /inflates past 299999 bytes/);
      refuses(() => inflateBounded(z.subarray(0, z.length - 2), max, 'x'), /DEFLATE stream/);
      refuses(() => inflateBounded(new Uint8Array([0xff, 0xff]), max, 'x'), /DEFLATE/);
    }
  });
});

describe('structure', () => {
  it('refuses declared lengths beyond the input without allocating', () => {
    for (const prefix of [0xdd, 0xdf, 0xdb, 0xc6]) {
      refuses(
        () => decode(GCounter, raw('gcounter', [prefix, 0xff, 0xff, 0xff, 0xff])),
        /bytes are left|exceeds the/,
      );
    }
  });
  it('refuses nesting 100,000 deep without overflowing the stack', () => {
    const deep = new Array(100_000).fill(0x91);
    refuses(() => decode(GCounter, raw('gcounter', [...deep, 0xc0])), /limit maxDepth/);
  });
  it('enforces maxEntries and maxBytes', () => {
    const s = new Map([...'abcdefgh'].map((r, i) => [r, i + 1]));
    refuses(() => decode(GCounter, encode(GCounter, s), { maxEntries: 10 }), /limit maxEntries/);
    refuses(() => decode(GCounter, encode(GCounter, s), { maxBytes: 20 }), /limit maxBytes/);
    refuses(() => decode(GCounter, encode(GCounter, s), { maxDepth: 0 }), /options\.maxDepth/);
  });
  it('refuses extensions, 64-bit integers, invalid UTF-8 and trailing bytes', () => {
    refuses(() => decode(GCounter, craft('gcounter', [[], [new Date(0)]])), /extension/);
    refuses(() => decode(GCounter, raw('gcounter', [0x92, 0x90, 0x91, 0xd4, 0, 0])), /extension/);
    refuses(
      () => decode(GCounter, raw('gcounter', [0x92, 0x90, 0x91, 0xcf, 0, 0, 0, 0, 0, 0, 0, 1])),
      /64-bit/,
    );
    refuses(() => decode(GCounter, raw('gcounter', [0x92, 0x91, 0xa2, 0xed, 0xa0, 0x91, 0x90])), /UTF-8/);
    refuses(() => decode(GCounter, raw('gcounter', [0x92, 0x90, 0x91, 0x90, 0xc0])), /follow the value/);
  });
});

describe('schema', () => {
  it('validates replica tables, indexes, counts and order', () => {
    refuses(() => decode(GCounter, craft('gcounter', [['a', 'a'], [[0, 1]]])), /appears twice/);
    refuses(() => decode(GCounter, craft('gcounter', [[''], [[0, 1]]])), /replica id/);
    refuses(() => decode(GCounter, craft('gcounter', [['a'], [[1, 1]]])), /no replica with index 1/);
    refuses(() => decode(GCounter, craft('gcounter', [['a'], [[0, 0]]])), /safe integer ≥ 1/);
    refuses(() => decode(GCounter, craft('gcounter', [['a'], [[0, 2 ** 53]]])), /safe integer/);
    refuses(() => decode(GCounter, craft('gcounter', [['a', 'b'], [[1, 1, 0, 1]]])), /strictly ascending/);
  });
  it('refuses dots outside the context, duplicate dots and non-compact contexts', () => {
    const keys = [[], [0], ['x'], []];
    const ctx = (vector: number[], cloud: number[]) => [vector, cloud];
    refuses(
      () => decode(ORSet, craft('orset', [['a'], [ctx([0, 1], []), [...keys, [], [], [2]]]])),
      /not in the context/,
    );
    refuses(
      () =>
        decode(
          ORSet,
          craft('orset', [['a'], [ctx([0, 3], []), [[], [0, 0], ['x', 'y'], [], [], [], [1, 0]]]]),
        ),
      /ascend|appears twice|as long as possible/,
    );
    refuses(
      () => decode(ORSet, craft('orset', [['a'], [ctx([0, 1], [0, 1, 0]), [[], [], [], [], [], [], []]]])),
      /cloud/,
    );
    // A dot again after lower ones: found in a run of ascending dots, or among the lower ones.
    const xyz = (counters: number[]) => [[], [0, 0, 0], ['x', 'y', 'z'], [], [], [], counters];
    refuses(
      () => decode(ORSet, craft('orset', [['a'], [ctx([0, 5], []), xyz([3, -2, 2])]])),
      /appears twice/,
    );
    refuses(
      () => decode(ORSet, craft('orset', [['a'], [ctx([0, 5], []), xyz([5, -3, 0])]])),
      /appears twice/,
    );
    expect(ORSet.value(decode(ORSet, craft('orset', [['a'], [ctx([0, 5], []), xyz([5, -3, -1])]])))).toEqual(
      new Set(['x', 'y', 'z']),
    );
    // One dot in two values of an OR-Map, each value's column on its own.
    const Tags = ORMap.of(ORSet);
    const dot = { replica: 'a', counter: 1 };
    const twice = {
      store: new Map([
        ['k1', new Map([['x', [dot]]])],
        ['k2', new Map([['y', [dot]]])],
      ]),
      context: DotContext.from(new Map([['a', 1]])),
    };
    refuses(() => decode(Tags, encode(Tags, twice as ReturnType<typeof Tags.empty>)), /appears twice/);
  });
  it('refuses LWW rows with negative, fractional or non-numeric clocks', () => {
    const body = (walls: unknown[]) => [
      ['a'],
      [[[0, 1], []], [], [0], ['k'], [], [], [1], walls, [0], [], [1]],
    ];
    expect(LWWMap.value(decode(LWWMap, craft('lwwmap', body([5])))).get('k')).toBe(1);
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, null, true, 'x']) {
      refuses(() => decode(LWWMap, craft('lwwmap', body([bad]))), /wall and counter/);
    }
  });
  it("keeps '__proto__' an ordinary key and never builds prototypes", () => {
    const evil = new Map<unknown, unknown>([['__proto__', new Map([['polluted', true]])]]);
    const s = decode(
      MVRegister,
      craft('mvregister', [
        ['a'],
        [
          [[0, 1], []],
          [[], [1], [evil]],
        ],
      ]),
    );
    const v = MVRegister.value(s)[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(null);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(Object.getOwnPropertyDescriptor(v, '__proto__')?.value)).toBe(null);
  });
  it('refuses keys out of order or repeated', () => {
    const body = (prefixes: number[], suffixes: string[]) => [
      ['a'],
      [
        [[0, 2], []],
        [[], prefixes, suffixes, [], [], [], [1, 1]],
      ],
    ];
    expect(ORSet.size(decode(ORSet, craft('orset', body([0, 0], ['a', 'b']))))).toBe(2);
    refuses(() => decode(ORSet, craft('orset', body([0, 0], ['b', 'a']))), /strictly ascending/);
    refuses(() => decode(ORSet, craft('orset', body([0, 1], ['a', '']))), /strictly ascending/);
  });
});

describe('format 1.1', () => {
  const runs = (...values: number[]) => writeRuns(values);
  const bin = (...bytes: number[]) => new Uint8Array(bytes);
  /** An LWW-Map body of format 1.1: keys 'k1' → 1 and 'k2' → 2 by 'a', parts overridable. */
  const lww = (over: Record<number, unknown> = {}) => {
    const parts: unknown[] = [
      [[0, 2], []],
      [],
      2,
      runs(0, 1),
      runs(2, 2),
      'k12',
      [],
      runs(),
      [1, 2],
      runs(5, 0),
      runs(0, 1),
      runs(0, 0),
      runs(1, 1),
    ];
    for (const [i, x] of Object.entries(over)) parts[Number(i)] = x;
    return new Uint8Array([...header('lwwmap', 1, 1, 1), ...plain.pack([['a'], parts])]);
  };

  it('reads a hand-built LWW layout', () => {
    const s = decode(LWWMap, lww());
    expect([...LWWMap.value(s)]).toEqual([
      ['k1', 1],
      ['k2', 2],
    ]);
    expect(LWWMap.get(decode(LWWMap, lww({ 7: runs(1), 8: [1] })), 'k2')).toBeUndefined();
  });

  it('refuses integer columns that are malformed or not canonical', () => {
    const walls = (column: unknown) => () => decode(LWWMap, lww({ 9: column }));
    refuses(walls([5, 0]), /expected a bin column/);
    refuses(walls(bin(0x41, 5, 0x41, 0)), /two literal groups are adjacent/);
    expect(walls(bin(0x42, 5, 0))).not.toThrow(); // the canonical [5, 0]
    refuses(() => decode(LWWMap, lww({ 10: bin(0x42, 0, 0) })), /equal adjacent values must be one run/);
    refuses(walls(bin(1, 5, 0x41, 0)), /neither a run/);
    refuses(walls(bin(0x42, 0x40, 5)), /-0/);
    refuses(walls(bin(0x42, 0x85, 0x00, 0)), /not minimal/);
    refuses(walls(bin(0x42, 0x85)), /truncated/);
    refuses(walls(bin(0x03, 5)), /more than 2 values/);
    refuses(walls(bin(0x41, 5)), /expected 2 values, got 1/);
    refuses(walls(bin(0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0)), /longer than 8 bytes/);
    refuses(() => decode(LWWMap, lww({ 12: runs(1, -1) })), /safe integers ≥ 1/);
    refuses(() => decode(LWWMap, lww({ 11: runs(0, 1) })), /no replica with index 1/);
    refuses(() => decode(LWWMap, lww({ 12: runs(1, 2) })), /not in the context/);
    refuses(() => decode(LWWMap, lww({ 7: runs(2), 8: [1] })), /tombstone rows/);
  });

  it('refuses key lengths that cut a surrogate pair or miss part of the suffix string', () => {
    const pair = '\ud83d\ude00';
    refuses(() => decode(LWWMap, lww({ 3: runs(0, 0), 4: runs(1, 2), 5: `${pair}x` })), /between characters/);
    refuses(() => decode(LWWMap, lww({ 4: runs(2, 0) })), /between characters/);
    refuses(() => decode(LWWMap, lww({ 4: runs(2, 2, 2) })), /holds more than 2 values/);
    refuses(() => decode(LWWMap, lww({ 4: runs(1, 2) })), /cover the suffix string/);
    refuses(() => decode(LWWMap, lww({ 2: 9 })), /string key count/);
    refuses(() => decode(LWWMap, lww({ 3: runs(0, 0), 5: 'k1k2' })), /as long as possible/);
  });

  it('writes a bottom state as the header alone, and refuses anything else so flagged', () => {
    const empty = encode(LWWMap, LWWMap.empty(), { compress: true });
    expect([...empty]).toEqual(header('lwwmap', 1, 1, FORMAT_VERSION.minor, 2));
    expect(encode(PNCounter, PNCounter.empty(), { kind: 'delta' })).toEqual(
      new Uint8Array(header('pncounter', 1, 2, FORMAT_VERSION.minor, 2)),
    );
    expect(LWWMap.equals(decode(LWWMap, empty), LWWMap.empty())).toBe(true);
    const target = decode(LWWMap, lww());
    expect(decodeInto(LWWMap, target, empty)).toBe(false);
    refuses(() => decode(LWWMap, new Uint8Array([...empty, 0x90])), /bytes after its header/);
    refuses(() => decode(LWWMap, new Uint8Array(header('lwwmap', 1, 1, 1, 3))), /unknown flags/);
    refuses(() => decode(LWWMap, new Uint8Array(header('lwwmap', 1, 1, 0, 2))), /unknown flags/);
    refuses(() => decodeDigest(new Uint8Array(header('digest', 1, 3, 1, 2))), /a digest is never empty/);
  });

  it('decodeInto leaves the target untouched when the bytes are refused', () => {
    const target = decode(LWWMap, lww());
    const before = LWWMap.clone(target);
    const other = lww({ 5: 'x12', 12: runs(1, 2) }); // valid rows, then a dot outside the context
    refuses(() => decodeInto(LWWMap, target, other), /not in the context/);
    expect(LWWMap.equals(target, before)).toBe(true);
  });
});

describe('format 1.2: deflated key text', () => {
  /** An LWW-Map of `n` keys `path/to/item-<7 digits>` → i, written by 'a'. */
  const keyed = (n: number) => {
    const s = LWWMap.empty();
    const clock = new HybridLogicalClock('a', { now: () => 1_000 });
    for (let i = 0; i < n; i++)
      LWWMap.joinInto(s, LWWMap.set(s, 'a', `path/to/item-${String(i * 7919).padStart(7, '0')}`, i, clock));
    return s;
  };
  /** The parts of an LWW-Map message's payload. */
  const partsOf = (bytes: Uint8Array) =>
    plain.unpack(bytes.subarray(7 + 'lwwmap'.length)) as [unknown, unknown[]];
  /** `bytes` with its key text replaced by `text`, as format `minor`. */
  const withText = (bytes: Uint8Array, text: unknown, minor = 2) => {
    const [table, parts] = partsOf(bytes);
    parts[5] = text;
    return new Uint8Array([...header('lwwmap', 1, 1, minor), ...plain.pack([table, parts])]);
  };
  const utf8 = (s: string) => new TextEncoder().encode(s);

  it('deflates key text from 256 UTF-8 bytes when that is shorter, and reads it back', () => {
    const big = keyed(150);
    const bytes = encode(LWWMap, big);
    const text = partsOf(bytes)[1][5];
    expect(text).toBeInstanceOf(Uint8Array);
    expect(LWWMap.equals(decode(LWWMap, bytes), big)).toBe(true);
    // The same keys with their text as a plain string read the same (a writer may skip deflate).
    const [, parts] = partsOf(bytes);
    const asString = withText(bytes, new TextDecoder().decode(inflate(parts[5] as Uint8Array)));
    expect(LWWMap.equals(decode(LWWMap, asString), big)).toBe(true);
    // Below the threshold the text stays a string.
    const small = keyed(3);
    expect(typeof partsOf(encode(LWWMap, small))[1][5]).toBe('string');
  });

  it('writes the key text as it is with deflateKeyText: false, in states and in messages', () => {
    const big = keyed(150);
    const deflated = partsOf(encode(LWWMap, big))[1][5] as Uint8Array;
    const bytes = encode(LWWMap, big, { deflateKeyText: false });
    const text = partsOf(bytes)[1][5];
    expect(text).toBe(new TextDecoder().decode(inflate(deflated)));
    expect(bytes.length).toBeGreaterThan(encode(LWWMap, big).length);
    expect(LWWMap.equals(decode(LWWMap, bytes), big)).toBe(true);
    // Keys that are not all ASCII take the other front coder.
    const accented = LWWMap.empty();
    const clock = new HybridLogicalClock('a', { now: () => 1_000 });
    for (let i = 0; i < 60; i++)
      LWWMap.joinInto(
        accented,
        LWWMap.set(accented, 'a', `café/ñ/${String(i * 7919).padStart(6, '0')}`, i, clock),
      );
    expect(partsOf(encode(LWWMap, accented))[1][5]).toBeInstanceOf(Uint8Array);
    const asIs = encode(LWWMap, accented, { deflateKeyText: false });
    expect(typeof partsOf(asIs)[1][5]).toBe('string');
    expect(LWWMap.equals(decode(LWWMap, asIs), accented)).toBe(true);
    // A registered message's states follow its writer's options.
    const Snapshot = registerMessage<LWWMapState>('test.key-text', {
      encode: (m, w) => [w.state(LWWMap, m)],
      decode: (data, r) => r.state(LWWMap, r.array(data, 'snapshot')[0], 'snapshot[0]'),
    });
    const messageText = (b: Uint8Array) =>
      (
        (plain.unpack(b.subarray(7 + 'test.key-text'.length)) as [unknown, [unknown[]]])[1][0] as unknown[]
      )[5];
    expect(messageText(Snapshot.encode(big))).toBeInstanceOf(Uint8Array);
    const message = Snapshot.encode(big, { deflateKeyText: false });
    expect(messageText(message)).toBe(text);
    expect(LWWMap.equals(Snapshot.decode(message), big)).toBe(true);
  });

  it('refuses deflated key text that is corrupt, short, not UTF-8, too large or in a 1.1 message', () => {
    const bytes = encode(LWWMap, keyed(150));
    const [, parts] = partsOf(bytes);
    const good = parts[5] as Uint8Array;
    const text = inflate(good);
    refuses(() => decode(LWWMap, withText(bytes, good, 1)), /expected the key suffixes as one string/);
    refuses(() => decode(LWWMap, withText(bytes, good.subarray(0, good.length - 4))), /DEFLATE stream/);
    refuses(() => decode(LWWMap, withText(bytes, new Uint8Array([0xff, 0xff, 0xff]))), /DEFLATE/);
    refuses(
      () => decode(LWWMap, withText(bytes, deflateSync(utf8('x'.repeat(KEY_TEXT_DEFLATE_FROM - 1))))),
      /at least 256 bytes/,
    );
    const invalid = text.slice();
    invalid[0] = 0xff;
    refuses(() => decode(LWWMap, withText(bytes, deflateSync(invalid))), /not well-formed UTF-8/);
    // A bomb: 4 MB of key text from a few KB, against a 1 MB limit.
    const bomb = withText(bytes, deflateSync(new Uint8Array(4 << 20).fill(0x61), { level: 9 }));
    expect(bomb.length).toBeLessThan(1 << 14);
    refuses(() => decode(LWWMap, bomb, { maxBytes: 1 << 20 }), /inflates past 1048576 bytes/);
    // Text that inflates fine but does not match the key lengths.
    refuses(
      () => decode(LWWMap, withText(bytes, deflateSync(utf8(`${new TextDecoder().decode(text)}x`)))),
      /cover the suffix string/,
    );
  });
});

describe('format 1.3: clouds as run columns', () => {
  /** An OR-Set state with no elements whose context is `vector` plus `clouds`, per replica. */
  const gapped = (vector: [string, number][], clouds: [string, number[]][]) => {
    const s = ORSet.empty();
    for (const [r, n] of vector) s.context.vv.set(r, n);
    for (const [r, dots] of clouds) s.context.cloud.set(r, new Set(dots));
    return s;
  };
  /** An OR-Set body with no elements in format `minor`, its context `[vector, cloud]`. */
  const orset = (vector: number[], cloud: unknown[], minor = 3, table = ['a', 'b']) =>
    new Uint8Array([
      ...header('orset', 1, 1, minor),
      ...plain.pack([
        table,
        [
          [vector, cloud],
          [[], [], [], [], [], [], []],
        ],
      ]),
    ]);

  it('writes a stretch of consecutive cloud dots in a few bytes, whatever its length', () => {
    const stretch = (n: number) =>
      gapped(
        [['a', 5]],
        [
          ['a', Array.from({ length: n }, (_, i) => 100_000 + i)],
          ['b', [7, 9, 40]],
        ],
      );
    const sizes = [10, 1_000, 100_000].map((n) => {
      const state = stretch(n);
      const bytes = encode(ORSet, state);
      expect(ORSet.equals(decode(ORSet, bytes), state)).toBe(true);
      return bytes.length;
    });
    // Only the count and the run's length grow (a msgpack uint32 and a 3-byte varint).
    expect(sizes[2]! - sizes[0]!).toBeLessThanOrEqual(6);
    expect(sizes[2]).toBeLessThan(60);
  });

  it('reads a hand-built cloud, and still reads the flat cloud of 1.2', () => {
    const expected = gapped([['a', 1]], [['a', [3, 4, 9]]]);
    expect(ORSet.equals(decode(ORSet, orset([0, 1], [0, 3, writeRuns([1, 1, 5])])), expected)).toBe(true);
    expect(ORSet.equals(decode(ORSet, orset([0, 1], [0, 3, 1, 1, 5], 2)), expected)).toBe(true);
    expect(ORSet.equals(decode(ORSet, orset([0, 1], [])), gapped([['a', 1]], []))).toBe(true);
  });

  it('refuses clouds that are malformed, not compact, or declare more dots than maxEntries', () => {
    refuses(() => decode(ORSet, orset([0, 1], [0, 2])), /index, count pairs, then the gap column/);
    refuses(() => decode(ORSet, orset([0, 1], [0, 2, [1, 1]])), /bin column/);
    refuses(() => decode(ORSet, orset([0, 1], [0, 2, writeRuns([0, 1])])), /cloud dots must ascend/);
    refuses(() => decode(ORSet, orset([0, 1], [0, 3, writeRuns([1, 1])])), /expected 3 values/);
    refuses(() => decode(ORSet, orset([0, 1], [0, 1, writeRuns([1, 1])])), /more than 1 values/);
    refuses(() => decode(ORSet, orset([0, 1], [1, 1, 0, 1, writeRuns([1, 2])])), /strictly ascending/);
    refuses(() => decode(ORSet, orset([0, 1], [2, 1, writeRuns([1])])), /no replica with index 2/);
    // Two bytes of gaps could declare 2^40 dots: the count is refused before anything is built.
    const bomb = orset([], [0, 2 ** 40, writeRuns(new Array(4).fill(1))]);
    expect(bomb.length).toBeLessThan(64);
    refuses(() => decode(ORSet, bomb), /more than 16777216 dots \(limit maxEntries\)/);
    // The limit holds across every cloud of a message.
    const two = orset([], [0, 30, 1, 30, writeRuns(new Array(60).fill(1))]);
    expect(decode(ORSet, two, { maxEntries: 1_000 }).context.cloud.get('b')?.size).toBe(30);
    refuses(() => decode(ORSet, two, { maxEntries: 50 }), /more than 50 dots/);
  });
});

/** Raw DEFLATE `data` inflated (tests only: unbounded). */
function inflate(data: Uint8Array): Uint8Array {
  return inflateSync(data);
}

describe('messages', () => {
  interface Delta {
    readonly from: string;
    readonly seq: number;
    readonly delta: Map<string, number>;
  }
  const DeltaMessage = registerMessage<Delta>('test.delta', {
    encode: (m, w) => [w.replica(m.from), m.seq, w.state(GCounter, m.delta)],
    decode(data, r) {
      const [from, seq, delta] = r.array(data, 'delta');
      return {
        from: r.replica(from, 'from'),
        seq: r.count(seq, 'seq'),
        delta: r.state(GCounter, delta, 'delta'),
      };
    },
  });
  const DigestMessage = registerMessage<{ digest: ReturnType<typeof ORSet.digest> }>('test.digest', {
    encode: (m, w) => w.digest(m.digest),
    decode: (data, r) => ({ digest: r.digest(data, 'digest') }),
  });

  it('round-trips messages carrying states and digests, sharing one replica table', () => {
    const m = {
      from: 'bob',
      seq: 7,
      delta: new Map([
        ['alice', 2],
        ['bob', 3],
      ]),
    };
    const back = DeltaMessage.decode(DeltaMessage.encode(m, { compress: true }));
    expect(back).toEqual(m);
    const s = ORSet.add(ORSet.empty(), 'a', 'x');
    const d = DigestMessage.decode(DigestMessage.encode({ digest: ORSet.digest(s) }));
    expect(DotContext.equals(d.digest.seen, s.context)).toBe(true);
    expect(encodeDigest(d.digest)).toEqual(encodeDigest(ORSet.digest(s)));
  });
  it('joiner validates a state in a message and joins it later, row by row for LWW', () => {
    const Rows = registerMessage<LWWMapState | ((t: LWWMapState) => boolean)>('test.rows', {
      encode: (m, w) => [w.state(LWWMap, m as LWWMapState), 1],
      decode(data, r) {
        const [rows, check] = r.array(data, 'rows');
        const join = r.joiner(LWWMap, rows, 'rows');
        r.count(check, 'check', 1);
        return join;
      },
    });
    const clock = new HybridLogicalClock('a', { now: () => 5 });
    const source = LWWMap.set(LWWMap.empty(), 'a', 'k', 1, clock);
    const target = LWWMap.empty();
    const join = Rows.decode(Rows.encode(source)) as (t: LWWMapState) => boolean;
    expect(join(target)).toBe(true);
    expect(LWWMap.equals(target, source)).toBe(true);
    expect(join(target)).toBe(false);
  });
  it('refuses unknown kinds, other kinds, bad fields and a second registration', () => {
    const bytes = DeltaMessage.encode({ from: 'bob', seq: 1, delta: new Map() });
    refuses(() => DigestMessage.decode(bytes), /unknown message kind/);
    refuses(() => decode(GCounter, bytes), /expected a state or delta/);
    refuses(
      () =>
        DeltaMessage.decode(craft('test.delta', [['bob'], [0, -1, [[]]]]).map((b, i) => (i === 4 ? 4 : b))),
      /seq/,
    );
    expect(() => registerMessage('test.delta', { encode: () => null, decode: () => null })).toThrow(
      /already registered/,
    );
  });
});

describe('optional compression', () => {
  it('deflates a body only where that makes the message smaller', () => {
    const small = new Map([['a', 1]]);
    expect(encode(GCounter, small, { compress: true })).toEqual(encode(GCounter, small));
    expect(inspect(encode(GCounter, small, { compress: true })).compressed).toBe(false);
    const large = new Map(Array.from({ length: 200 }, (_, i) => [`replica-${i}`, i + 1]));
    const deflated = encode(GCounter, large, { compress: true });
    expect(inspect(deflated).compressed).toBe(true);
    expect(deflated.length).toBeLessThan(encode(GCounter, large).length);
    expect(GCounter.equals(decode(GCounter, deflated), large)).toBe(true);
  });
});
