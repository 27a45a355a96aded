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
  | { kind: 'join'; entries: [StoredKey, number][]; sorted: boolean; limit: number }
  | { kind: 'merge'; entries: [StoredKey, number, boolean][] }
  | { kind: 'retain'; below: number };

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
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('merge' as const),
      entries: fc.array(fc.tuple(storedKey, fc.nat(9), fc.boolean()), { maxLength: 30 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retain' as const), below: fc.nat(9) }) },
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
      // Written in key order.
      for (const [k, v] of inOrder([...source.keys()]).map((k): [StoredKey, number] => [
        k,
        source.get(k) as number,
      ])) {
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
    case 'merge': {
      // Keys in key order through a merge: each is sought, and written where the flag says so.
      const m = map.merge();
      for (const k of inOrder(o.entries.map(([k]) => k))) {
        const [, v, write] = o.entries.find(([x]) => x === k) as [StoredKey, number, boolean];
        expect(m.seek(k)).toBe(model.has(k));
        expect(m.current).toBe(model.get(k));
        if (!write) continue;
        m.write(v);
        model.set(k, v);
      }
      m.end();
      break;
    }
    case 'retain': {
      let dropped = 0;
      for (const [k, v] of model)
        if (v >= o.below) {
          model.delete(k);
          dropped++;
        }
      expect(map.retain((v) => v < o.below)).toBe(dropped);
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

/** Checks `map` holds exactly `model`'s entries, and gives them in key order by chunks. */
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
  // Chunks give the entries in key order; none is empty.
  const chunks = map.chunks();
  expect(chunks.flatMap((c) => c.keys)).toEqual(inOrder(keys));
  expect(chunks.flatMap((c) => c.keys.map((k, i) => [k, c.values[i]]))).toEqual(
    inOrder(keys).map((k) => [k, model.get(k)]),
  );
  for (const c of chunks) if (chunks.length > 1) expect(c.keys.length).toBeGreaterThan(0);
}

/** The sizes of the chunks whose keys iterate in key order (sorted ones, or `Map`s by chance). */
function sortedSizes(map: KeyMap<number>): number[] {
  const order = [...map.keys()];
  let at = 0;
  const sizes: number[] = [];
  for (const c of map.chunks()) {
    const run = order.slice(at, (at += c.keys.length));
    if (run.every((k, i) => k === c.keys[i])) sizes.push(c.keys.length);
  }
  return sizes;
}

describe('KeyMap', () => {
  it('answers as a Map does, whatever the writes and merges, with its keys in order', () => {
    checkProperty(
      fc.property(fc.constantFrom(2, 3, 4, 6, 64), fc.array(op, { maxLength: 40 }), (limit, ops) => {
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
        expectSame(new KeyMap(map, 2), model);
      }),
      { localRuns: 200 },
    );
  });

  it('visits, while written to, every key held throughout, none deleted, and none twice unless deleted and written anew', () => {
    checkProperty(
      fc.property(
        fc.constantFrom(2, 3, 4, 64),
        fc.array(op, { maxLength: 20 }),
        fc.array(fc.tuple(fc.nat(30), op), { maxLength: 12 }),
        (limit, setup, during) => {
          const map = new KeyMap<number>(undefined, limit);
          const model = new Map<StoredKey, number>();
          for (const o of setup) apply(map, model, o);
          const throughout = new Set(model.keys());
          const visited = new Set<StoredKey>();
          // Keys visited, then deleted: a `Map` too visits such a key again if it is written anew.
          const reborn = new Set<StoredKey>();
          let step = 0;
          for (const [k, v] of map) {
            expect(visited.has(k) && !reborn.has(k)).toBe(false);
            expect(model.get(k)).toBe(v);
            visited.add(k);
            reborn.delete(k);
            for (const [at, o] of during)
              if (at === step) {
                apply(map, model, o);
                for (const gone of throughout) if (!model.has(gone)) throughout.delete(gone);
                for (const seen of visited) if (!model.has(seen)) reborn.add(seen);
              }
            step++;
          }
          for (const k of throughout) expect(visited.has(k)).toBe(true);
        },
      ),
      { localRuns: 200 },
    );
  });

  it('fills chunks with keys written past the end, and splits a full chunk for a key inside', () => {
    const key = (i: number) => `k${String(i).padStart(4, '0')}`;
    const sizes = (m: KeyMap<number>) => m.chunks().map((c) => c.keys.length);
    const map = new KeyMap<number>(undefined, 8);
    for (let i = 0; i < 100; i += 2) map.set(key(i), i);
    expect(sizes(map)).toEqual([8, 8, 8, 8, 8, 8, 2]);
    // Keys below a full first chunk start a chunk before it, filled in turn.
    for (let i = -10; i < 0; i++) map.set(i, i);
    expect(sizes(map)).toEqual([8, 2, 8, 8, 8, 8, 8, 8, 2]);
    // A key inside a full chunk splits it in halves.
    map.set(key(1), 1);
    expect(sizes(map)).toEqual([8, 2, 5, 4, 8, 8, 8, 8, 8, 2]);
    // A key landing inside a sorted chunk moves the keys after it, while they are few (at most
    // half the limit); past that, the chunk becomes a `Map`, iterated in the order written.
    const down = new KeyMap<number>(undefined, 8);
    for (let i = 9; i >= 0; i--) down.set(i, i);
    expect(sizes(down)).toEqual([10]);
    expect([...down.keys()]).toEqual([5, 6, 7, 8, 9, 4, 3, 2, 1, 0]);
    expect(down.chunks()[0]?.keys).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sortedSizes(down)).toEqual([]);
  });

  it('finds keys by its index once looked up often, after keys are appended, moved or merged', () => {
    const map = new KeyMap<number>(undefined, 64);
    for (let i = 0; i < 80; i += 2) map.set(i, i);
    // Lookups out of order, enough to index the chunk (an eighth of its keys, 16 at least).
    const probe = () => {
      for (let i = 38; i >= 0; i -= 2) expect(map.get(i)).toBe(i);
      expect(map.has(1)).toBe(false);
    };
    probe();
    map.set(80, 80); // past the end
    expect([map.get(2), map.get(80), map.get(40), map.get(80)]).toEqual([2, 80, 40, 80]);
    map.set(3, 3); // inside, moving the keys after it
    probe();
    expect([map.get(3), map.get(78), map.get(4)]).toEqual([3, 78, 4]);
    const m = map.merge();
    for (const k of [5, 81, 82]) {
      m.seek(k);
      m.write(k);
    }
    m.end();
    probe();
    expect([map.get(5), map.get(82), map.get(6), map.get(81)]).toEqual([5, 82, 6, 81]);
    map.delete(5);
    expect([map.get(5), map.get(6), map.get(4)]).toEqual([undefined, 6, 4]);
    probe();
    expect(map.retain((v) => v !== 6)).toBe(1);
    expect(map.get(6)).toBeUndefined();
    for (let i = 78; i >= 8; i -= 2) expect(map.get(i)).toBe(i);
  });

  it('makes chunks of CHUNK_ENTRIES by default', () => {
    const map = new KeyMap<number>();
    for (let i = 0; i < 3 * CHUNK_ENTRIES + 1; i++) map.set(i, i);
    expect(map.chunks().map((c) => c.keys.length)).toEqual([CHUNK_ENTRIES, CHUNK_ENTRIES, CHUNK_ENTRIES, 1]);
  });

  it('merges keys inside a chunk into a copy, split in pieces of at most the limit', () => {
    const map = new KeyMap<number>(undefined, 4);
    for (const k of [0, 10, 20, 30, 40, 50]) map.set(k, k);
    const before = map.chunks();
    expect(before.map((c) => c.keys)).toEqual([
      [0, 10, 20, 30],
      [40, 50],
    ]);
    const m = map.merge();
    for (const k of [1, 2, 3, 10, 41, 60, 61, 62, 63]) {
      m.seek(k);
      m.write(-k);
    }
    m.end();
    // The first chunk (8 keys) in two pieces of 4; the second took 41 inside (a copy of 3), then
    // 60 to 62 past its end, and 63 started a chunk after it.
    expect(map.chunks().map((c) => c.keys)).toEqual([
      [0, 1, 2, 3],
      [10, 20, 30],
      [40, 41, 50, 60],
      [61, 62, 63],
    ]);
    expect(map.get(10)).toBe(-10);
    expect(map.size).toBe(14);
    // The chunks taken before were not touched by the copy.
    expect(before[0]?.keys).toEqual([0, 10, 20, 30]);
  });

  it('refuses a merge out of key order, and ends a merge at the next use of the map', () => {
    const map = new KeyMap<number>([[5, 5]]);
    const m = map.merge();
    expect(m.seek(3)).toBe(false);
    expect(() => m.seek(3)).toThrow(ValidationError);
    expect(() => m.seek(1)).toThrow(ValidationError);
    expect(m.seek('a')).toBe(false);
    expect(() => new KeyMap<number>().merge().write(1)).toThrow(ValidationError);
    // After a key the map holds, the same key or a lower one is refused too.
    const held = new KeyMap<number>([
      [1, 1],
      [5, 5],
    ]).merge();
    expect(held.seek(5)).toBe(true);
    expect(() => held.seek(5)).toThrow(ValidationError);
    expect(() => held.seek(1)).toThrow(ValidationError);
    m.write(7);
    // Reading the map ends the merge: what it wrote is there, and it takes no more.
    expect(map.get('a')).toBe(7);
    expect(map.size).toBe(2);
    expect(() => m.seek('b')).toThrow(ValidationError);
    // A merge left open ends at the next merge too.
    const open = map.merge();
    open.seek(6);
    open.write(6);
    map.merge().end();
    expect([...map.keys()]).toEqual([5, 6, 'a']);
  });

  it('iterates past keys written and deleted meanwhile as a Map does: ahead visited, none twice', () => {
    const map = new KeyMap<number>(undefined, 3);
    for (let i = 0; i < 20; i += 2) map.set(i, i);
    const seen: StoredKey[] = [];
    for (const [k] of map) {
      seen.push(k);
      if (k === 4) {
        map.set(5, 5); // ahead: visited
        map.set(3, 3); // behind: not
        map.delete(8); // ahead: not visited
        map.set(4, 40); // the one at hand, written again: not visited again
      }
      if (k === 10) for (let i = 11; i < 16; i += 2) map.set(i, i); // splits chunks ahead
    }
    expect(seen).toEqual([0, 2, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 18]);
    const values: number[] = [];
    map.forEach((v, k) => {
      values.push(v);
      if (k === 0) map.delete(2);
    });
    expect(values).toEqual([0, 3, 40, 5, 6, 10, 11, 12, 13, 14, 15, 16, 18]);
    // A key landing inside the sorted chunk walked turns it into a `Map`: the walk goes on after
    // the last key it visited (keys before it, new or not, are passed over).
    const turned = new KeyMap<number>(undefined, 8);
    for (let i = 0; i < 6; i++) turned.set(i, i);
    const order: StoredKey[] = [];
    for (const [k] of turned) {
      order.push(k);
      if (k === 2) turned.set(-1, -1);
    }
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('survives deletes while iterating, and empties chunks away', () => {
    const map = new KeyMap<number>(undefined, 3);
    for (let i = 0; i < 20; i++) map.set(i, i);
    for (const [k] of map) if (Number(k) % 2 === 0 || Number(k) < 12) map.delete(k);
    expect([...map.keys()]).toEqual([13, 15, 17, 19]);
    expect(map.chunks().every((c) => c.keys.length > 0)).toBe(true);
    for (const k of [13, 15, 17, 19]) map.delete(k);
    expect(map.size).toBe(0);
    expect(map.chunks()).toHaveLength(1);
    map.set(5, 5).set(1, 1);
    expect([...map.keys()]).toEqual([1, 5]);
    map.clear();
    expect(map.size).toBe(0);
    expect([...map]).toEqual([]);
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
    expect([...map]).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
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
