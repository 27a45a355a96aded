import { ValidationError } from '@nlbd/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperty } from '../../../test/support/property.ts';
import { CHUNK_ENTRIES, KeyMap, keyRank, rankedBefore, type StoredKey, storeKey } from '../src/index.js';

const keyBefore = (a: StoredKey, b: StoredKey): boolean => rankedBefore(a, keyRank(a), b, keyRank(b));

/** Stored keys of every group: booleans, numbers, strings (some past the byte keys' mark), byte keys. */
const storedKey: fc.Arbitrary<StoredKey> = fc.oneof(
  fc.boolean(),
  fc.integer({ min: -20, max: 20 }).map((i) => (i === 0 ? 0 : i / 2)),
  fc.string({ unit: fc.constantFrom('a', 'b', 'c', '\ue000', '\ud83d\ude00'), maxLength: 3 }),
  fc.uint8Array({ maxLength: 2 }).map((b) => storeKey(b)),
);

type Op =
  | { kind: 'set'; key: StoredKey; value: number }
  | { kind: 'delete'; key: StoredKey }
  | { kind: 'ascending' | 'descending'; keys: StoredKey[] }
  | { kind: 'clear' }
  | { kind: 'join'; entries: [StoredKey, number][]; sorted: boolean; limit: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('set' as const), key: storedKey, value: fc.nat(9) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: storedKey }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('ascending' as const, 'descending' as const),
      keys: fc.array(storedKey, { maxLength: 20 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('join' as const),
      entries: fc.array(fc.tuple(storedKey, fc.nat(9)), { maxLength: 20 }),
      sorted: fc.boolean(),
      limit: fc.integer({ min: 2, max: 6 }),
    }),
  },
);

const inOrder = (keys: readonly StoredKey[]): StoredKey[] =>
  [...new Set(keys)].sort((a, b) => (keyBefore(a, b) ? -1 : keyBefore(b, a) ? 1 : 0));

/** Applies `o` to both maps, checking every answer agrees. */
function apply(map: KeyMap<number>, model: Map<StoredKey, number>, o: Op): void {
  switch (o.kind) {
    case 'set':
      expect(map.set(o.key, o.value)).toBe(map);
      model.set(o.key, o.value);
      break;
    case 'delete':
      expect(map.delete(o.key)).toBe(model.delete(o.key));
      break;
    case 'clear':
      map.clear();
      model.clear();
      break;
    case 'join': {
      // The source, in key order or as drawn, in chunks of its own size; larger values win.
      const sorted = inOrder(o.entries.map(([k]) => k)).map((k, i): [StoredKey, number] => [k, i]);
      const source = new KeyMap<number>(o.sorted ? sorted : o.entries, o.limit);
      const expected: [StoredKey, number][] = [];
      for (const [k, v] of source) {
        const cur = model.get(k);
        if (cur === undefined || v > cur) {
          model.set(k, v);
          expected.push([k, v]);
        }
      }
      const written: [StoredKey, number][] = [];
      const changed = map.joinFrom(
        source,
        (incoming, current) => {
          expect(incoming).not.toBe(current);
          return incoming > current;
        },
        (k, v) => written.push([k, v]),
      );
      expect(written).toEqual(expected);
      expect(changed).toBe(expected.length > 0);
      break;
    }
    default: {
      const keys = inOrder(o.keys);
      if (o.kind === 'descending') keys.reverse();
      for (const [i, k] of keys.entries()) {
        map.set(k, i);
        model.set(k, i);
      }
    }
  }
}

/** Checks `map` holds exactly `model`'s entries, each in its range, and keeps its order claims. */
function expectSame(map: KeyMap<number>, model: Map<StoredKey, number>): void {
  expect(map.size).toBe(model.size);
  for (const [k, v] of model) {
    expect(map.has(k)).toBe(true);
    expect(map.get(k)).toBe(v);
  }
  const entries = [...map];
  expect(entries).toHaveLength(model.size);
  expect(new Map(entries)).toEqual(model);
  const keys = [...map.keys()];
  expect(keys).toEqual(entries.map(([k]) => k));
  expect([...map.values()]).toEqual(entries.map(([, v]) => v));
  const seen: [StoredKey, number][] = [];
  map.forEach((v, k, m) => {
    expect(m).toBe(map);
    seen.push([k, v]);
  });
  expect(seen).toEqual(entries);
  // Chunks hold disjoint ranges in key order: each chunk's keys come after every earlier chunk's.
  const chunks = map.chunks();
  expect(chunks.flatMap((c) => [...c.keys()])).toEqual(keys);
  for (let i = 1; i < chunks.length; i++)
    for (const k of chunks[i]?.keys() ?? [])
      for (const j of chunks[i - 1]?.keys() ?? []) expect(keyBefore(j, k)).toBe(true);
  if (map.inKeyOrder) expect(keys).toEqual(inOrder(keys));
}

describe('KeyMap', () => {
  it('answers as a Map does, whatever the writes, with chunks in key order', () => {
    checkProperty(
      fc.property(fc.integer({ min: 2, max: 6 }), fc.array(op, { maxLength: 40 }), (limit, ops) => {
        const map = new KeyMap<number>(undefined, limit);
        const model = new Map<StoredKey, number>();
        for (const o of ops) {
          apply(map, model, o);
          expectSame(map, model);
        }
        const copy = new KeyMap(map, limit);
        expectSame(copy, model);
        copy.set('copy only', 1);
        copy.delete([...model.keys()][0] ?? 'none');
        expectSame(map, model);
        expectSame(new KeyMap(map), model);
      }),
      { localRuns: 200 },
    );
  });

  it('keeps chunks small and in order where keys come in order, above or below, and splits full ones', () => {
    const key = (i: number) => `k${String(i).padStart(4, '0')}`;
    const sizes = (m: KeyMap<number>) => m.chunks().map((c) => c.size);
    const map = new KeyMap<number>(undefined, 8);
    for (let i = 0; i < 100; i += 2) map.set(key(i), i);
    // Once the map holds 32 entries, new chunks take 32.
    expect(sizes(map)).toEqual([8, 8, 8, 8, 18]);
    // Keys in order below a full first chunk start a chunk of their own, then another.
    for (let i = -40; i < 0; i++) map.set(i, i);
    expect(sizes(map)).toEqual([32, 8, 8, 8, 8, 8, 18]);
    expect(map.inKeyOrder).toBe(true);
    // A key inside a full chunk whose keys are in order splits it; the half it lands in is
    // then out of order.
    map.set(key(1), 1);
    expect(sizes(map)).toEqual([32, 8, 5, 4, 8, 8, 8, 18]);
    expect(map.inKeyOrder).toBe(false);
    // Keys in descending order are out of order: their chunk grows as one `Map` would.
    const down = new KeyMap<number>(undefined, 2);
    for (let i = 9; i >= 0; i--) down.set(i, i);
    expect(sizes(down)).toEqual([10]);
    expect(down.inKeyOrder).toBe(false);
  });

  it('makes chunks of CHUNK_ENTRIES by default, 4 times as large once the map holds 4 times as many', () => {
    const map = new KeyMap<number>();
    for (let i = 0; i < 8 * CHUNK_ENTRIES + 1; i++) map.set(i, i);
    const small = Array(4).fill(CHUNK_ENTRIES);
    expect(map.chunks().map((c) => c.size)).toEqual([...small, 4 * CHUNK_ENTRIES, 1]);
    expect(map.inKeyOrder).toBe(true);
  });

  it('leaves a list of chunks taken earlier as it was, though later writes split chunks', () => {
    const map = new KeyMap<number>(undefined, 4);
    for (const k of [0, 2, 4, 6, 8, 10, 12]) map.set(k, k);
    const before = map.chunks();
    const sizes = before.map((c) => c.size);
    map.set(5, 5); // inside the full first chunk: a split
    map.set(3, 3);
    expect(map.chunks().length).toBeGreaterThan(before.length);
    expect(before.map((c) => c.size)).toEqual(sizes);
    expect([...map.keys()].sort((a, b) => Number(a) - Number(b))).toEqual([0, 2, 3, 4, 5, 6, 8, 10, 12]);
  });

  it('survives deletes while iterating, and empties chunks away', () => {
    const map = new KeyMap<number>(undefined, 3);
    for (let i = 0; i < 20; i++) map.set(i, i);
    for (const [k] of map) if (Number(k) % 2 === 0 || Number(k) < 12) map.delete(k);
    expect([...map.keys()]).toEqual([13, 15, 17, 19]);
    expect(map.chunks().every((c) => c.size > 0)).toBe(true);
    for (const k of [13, 15, 17, 19]) map.delete(k);
    expect(map.size).toBe(0);
    expect(map.chunks()).toHaveLength(1);
    // Emptied, it starts again in order: the first key may be any.
    map.set(5, 5).set(1, 1);
    expect(map.inKeyOrder).toBe(false);
    map.clear();
    map.set(5, 5).set(6, 6);
    expect(map.inKeyOrder).toBe(true);
  });

  it('joins into keys that hold undefined as into any other key, not as new keys', () => {
    const map = new KeyMap<number | undefined>([
      ['a', undefined],
      ['c', 3],
    ]);
    const source = new KeyMap<number | undefined>([
      ['a', 1],
      ['b', 2],
    ]);
    expect(map.joinFrom(source, () => false)).toBe(true);
    expect(map.size).toBe(3);
    expect(map.has('a')).toBe(true);
    expect(map.get('a')).toBeUndefined();
    expect(map.joinFrom(source, (_, current) => current === undefined)).toBe(true);
    expect(map.size).toBe(3);
    // 'b' came after 'c': its chunk's keys are no longer in key order.
    expect([...map]).toEqual([
      ['a', 1],
      ['c', 3],
      ['b', 2],
    ]);
    expect(map.inKeyOrder).toBe(false);
    // The same, with the undefined brought by a join, and in a copy.
    const joined = new KeyMap<number | undefined>();
    joined.joinFrom(new KeyMap<number | undefined>([['x', undefined]]), () => true);
    for (const target of [joined, new KeyMap(joined)]) {
      target.joinFrom(new KeyMap<number | undefined>([['x', 1]]), (_, current) => current === undefined);
      expect(target.size).toBe(1);
      expect(target.get('x')).toBe(1);
    }
  });

  it('refuses a chunk size that is not an integer from 2', () => {
    for (const bad of [1, 0, 2.5, Number.NaN])
      expect(() => new KeyMap(undefined, bad)).toThrow(ValidationError);
    expect(String(new KeyMap())).toBe('[object KeyMap]');
  });
});
