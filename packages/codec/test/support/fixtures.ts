import { type Crdt, HybridLogicalClock } from '@nlbd/core';
import {
  EWFlag,
  GCounter,
  GSet,
  LWWMap,
  LWWRegister,
  MVRegister,
  ORMap,
  ORSet,
  PNCounter,
  type Value,
} from '@nlbd/crdts';

/** One golden state: its file name, type, and the state itself. */
export interface Fixture {
  readonly name: string;
  readonly crdt: Crdt<unknown, unknown>;
  readonly state: unknown;
}

function run<S>(crdt: Crdt<S, unknown>, ...steps: ((s: S) => S)[]): S {
  const s = crdt.empty();
  for (const step of steps) crdt.joinInto(s, step(s));
  return s;
}

/**
 * A fixed set of states covering every type and layout feature (byte and scalar keys, prototype
 * names, tombstones, clouds, several replicas, nested maps, values of every kind). Built from
 * fixed clocks, so the same on every run; `scripts/golden.ts` writes their bytes once per format
 * version and `golden.test.ts` checks those bytes still decode to these states.
 */
export function fixtures(): Fixture[] {
  let ms = 1_700_000_000_000;
  const clock = (id: string) => new HybridLogicalClock(id, { now: () => ms++ });
  const alice = clock('alice');
  const bob = clock('bob');
  const value: Value = {
    __proto__: 'ordinary key',
    list: [1, -2, 3.5, null, true, 'ü✓😀'],
    bytes: new Uint8Array([0, 255]),
    map: new Map<string | number, Value>([
      [1, 'one'],
      ['two', 2],
    ]),
  } as unknown as Value;
  const Todo = ORMap.of(ORSet);
  const Deep = ORMap.of(ORMap.of(MVRegister));
  const Scores = ORMap.of(PNCounter);
  const out: Fixture[] = [
    {
      name: 'gcounter',
      crdt: GCounter,
      state: new Map([
        ['alice', 3],
        ['bob', 2 ** 52],
      ]),
    },
    {
      name: 'pncounter',
      crdt: PNCounter,
      state: run(
        PNCounter,
        (s) => PNCounter.increment(s, 'alice', 5),
        (s) => PNCounter.decrement(s, 'bob', 2),
      ),
    },
    {
      name: 'gset',
      crdt: GSet,
      state: run(
        GSet,
        (s) => GSet.add(s, 'alice', 'x'),
        (s) => GSet.add(s, 'bob', new Uint8Array([1, 2])),
        (s) => GSet.add(s, 'bob', true),
        (s) => GSet.add(s, 'alice', -1.5),
      ),
    },
    {
      name: 'orset',
      crdt: ORSet,
      state: run(
        ORSet,
        (s) => ORSet.add(s, 'alice', 'milk'),
        (s) => ORSet.add(s, 'bob', '__proto__'),
        (s) => ORSet.add(s, 'alice', 'eggs'),
        (s) => ORSet.remove(s, 'milk'),
        (s) => ORSet.add(s, 'alice', 7),
      ),
    },
    {
      name: 'ewflag',
      crdt: EWFlag,
      state: run(
        EWFlag,
        (s) => EWFlag.enable(s, 'alice'),
        (s) => EWFlag.disable(s),
        (s) => EWFlag.enable(s, 'bob'),
      ),
    },
    {
      name: 'mvregister',
      crdt: MVRegister,
      state: MVRegister.join(
        MVRegister.set(MVRegister.empty(), 'alice', value),
        MVRegister.set(MVRegister.empty(), 'bob', 'draft'),
      ),
    },
    {
      name: 'lwwregister',
      crdt: LWWRegister,
      state: run(
        LWWRegister,
        (s) => LWWRegister.set(s, 'alice', 42, alice),
        (s) => LWWRegister.set(s, 'bob', 'later', bob),
      ),
    },
    {
      name: 'lwwmap',
      crdt: LWWMap,
      state: run(
        LWWMap,
        (s) => LWWMap.set(s, 'alice', 'title', 'milk', alice),
        (s) => LWWMap.set(s, 'bob', 'note', value, bob),
        (s) => LWWMap.set(s, 'alice', 'gone', 1, alice),
        (s) => LWWMap.delete(s, 'bob', 'gone', bob),
        (s) => LWWMap.set(s, 'alice', new Uint8Array([9]), false, alice),
        (s) => LWWMap.set(s, 'alice', 'titles', 'x', alice),
      ),
    },
    {
      name: 'ormap-orset',
      crdt: Todo,
      state: run(
        Todo,
        (s) => Todo.update(s, 'alice', 'list', (v) => ORSet.add(v, 'alice', 'milk')),
        (s) => Todo.update(s, 'bob', 'other', (v) => ORSet.add(v, 'bob', 'eggs')),
        (s) => Todo.remove(s, 'other'),
      ),
    },
    {
      name: 'ormap-ormap-mvregister',
      crdt: Deep,
      state: run(Deep, (s) =>
        Deep.update(s, 'alice', 'a', (m) =>
          ORMap.of(MVRegister).update(m, 'alice', 'b', (r) => MVRegister.set(r, 'alice', [1, 2])),
        ),
      ),
    },
    {
      name: 'ormap-pncounter',
      crdt: Scores,
      state: run(
        Scores,
        (s) => Scores.update(s, 'alice', 'ann', (c) => PNCounter.increment(c, 'alice', 3)),
        (s) => Scores.update(s, 'bob', 'ann', (c) => PNCounter.decrement(c, 'bob', 1)),
      ),
    },
  ];
  // A cloud in the context: bob's third event seen without his second.
  const gapped = ORSet.empty();
  ORSet.joinInto(gapped, {
    store: new Map([['late', [{ replica: 'bob', counter: 3 }]]]),
    context: ORSet.empty().context,
  });
  gapped.context.cloud.set('bob', new Set([3]));
  out.push({ name: 'orset-cloud', crdt: ORSet, state: gapped });
  out.push(...sinceV1_1(clock), ...sinceV1_2(clock));
  return out;
}

/**
 * Fixtures added with format 1.2: an LWW-Map whose key text passes 256 UTF-8 bytes, so that it is
 * deflated (with accents and surrogate pairs in the keys, cut between front-coded suffixes).
 */
function sinceV1_2(clock: (id: string) => HybridLogicalClock): Fixture[] {
  const alice = clock('alice');
  const paths = LWWMap.empty();
  for (let i = 0; i < 60; i++) {
    const key = `café/${i % 3 === 0 ? '😀' : 'ñ'}/${String(i * 7919).padStart(6, '0')}`;
    LWWMap.joinInto(paths, LWWMap.set(paths, 'alice', key, i, alice));
  }
  return [{ name: 'lwwmap-deflated-keys', crdt: LWWMap, state: paths }];
}

/**
 * Fixtures added with format 1.1 (so absent from older versions' directories): an LWW-Map whose
 * columns have runs and literals, several writers, tombstones in a row, surrogate pairs in
 * front-coded keys; an LWW-Map nested in an OR-Map; and an empty (bottom) state.
 */
function sinceV1_1(clock: (id: string) => HybridLogicalClock): Fixture[] {
  const alice = clock('alice');
  const others = [clock('bob'), clock('carol')];
  const name = (i: number) => (i % 10 === 9 ? `😀${i}` : `row-${String(i).padStart(3, '0')}`);
  const rows = LWWMap.empty();
  for (let i = 0; i < 40; i++) {
    // Mostly alice in key order (runs), now and then bob or carol (literals).
    const c = i % 7 < 5 ? alice : (others[i % 2] as HybridLogicalClock);
    LWWMap.joinInto(rows, LWWMap.set(rows, c.replica, name(i), i % 4 === 0 ? null : i, c));
  }
  const bob = others[0] as HybridLogicalClock;
  for (const i of [3, 4, 5, 20]) LWWMap.joinInto(rows, LWWMap.delete(rows, 'bob', name(i), bob));
  LWWMap.joinInto(rows, LWWMap.set(rows, 'carol', 7, 'seven', others[1] as HybridLogicalClock));
  const Notes = ORMap.of(LWWMap);
  const notes = run(
    Notes,
    (s) => Notes.update(s, 'alice', 'n1', (m) => LWWMap.set(m, 'alice', 'title', 'milk', alice)),
    (s) => Notes.update(s, 'alice', 'n2', (m) => LWWMap.set(m, 'alice', 'title', 'eggs', alice)),
  );
  return [
    { name: 'lwwmap-rows', crdt: LWWMap, state: rows },
    { name: 'ormap-lwwmap', crdt: Notes, state: notes },
    { name: 'lwwmap-empty', crdt: LWWMap, state: LWWMap.empty() },
  ];
}
