import type { Crdt, HybridLogicalClock, ReplicaId } from '@nlbd/core';
import {
  EWFlag,
  EWFlagReplica,
  GCounter,
  GCounterReplica,
  GSet,
  GSetReplica,
  type Key,
  LWWMap,
  LWWMapReplica,
  LWWRegister,
  LWWRegisterReplica,
  MVRegister,
  MVRegisterReplica,
  ORMap,
  ORMapReplica,
  ORSet,
  ORSetReplica,
  PNCounter,
  PNCounterReplica,
  type Replica,
  type Value,
} from '@nlbd/crdts';
import fc from 'fast-check';

/**
 * One operation of any type, as plain data so that fast-check prints and shrinks it: `kind`
 * names the mutator; `n`, `elem`, `key`, `value` are its arguments; `inner` is the operation an
 * OR-Map `update` applies to the nested value.
 */
export interface Op {
  readonly kind: string;
  readonly n?: number;
  readonly elem?: Key;
  readonly key?: Key;
  readonly value?: Value;
  readonly inner?: Op;
}

/** Options every replica class of a subject takes. */
export interface SubjectReplicaOptions<S> {
  readonly state?: S;
  readonly clock?: HybridLogicalClock;
}

/**
 * A CRDT type under test: its descriptor, the operations it accepts, and two ways to perform
 * one (the descriptor's delta mutator and the replica class), so suites can compare them.
 */
export interface Subject<S = unknown, V = unknown> {
  readonly name: string;
  readonly crdt: Crdt<S, V>;
  /** Whether the state is a dot store (an OR-Map removal then removes exactly what it saw). */
  readonly causal: boolean;
  readonly op: fc.Arbitrary<Op>;
  /** The delta of `op` by `replica` on `s`, through the descriptor's mutators. */
  mutate(s: S, replica: ReplicaId, op: Op, clock: HybridLogicalClock): S;
  replica(id: ReplicaId, options?: SubjectReplicaOptions<S>): Replica<S, V>;
  /** Performs `op` through the replica class; returns the delta it reports. */
  apply(replica: Replica<S, V>, op: Op): S;
  /** The sequential specification: the value after `op`, from the value before. */
  model(before: V, op: Op): V;
}

/** Keys and elements: every kind of key, prototype names included. */
export const keyArb: fc.Arbitrary<Key> = fc.constantFrom<Key>(
  'x',
  'y',
  '__proto__',
  'constructor',
  'prototype',
  7,
  -1.5,
  true,
  new Uint8Array([1, 2]),
  new Uint8Array([]),
);

/** Values: scalars, bytes, arrays, objects and maps (prototype names, `-0` and empty maps included). */
export const valueArb: fc.Arbitrary<Value> = fc.constantFrom<Value>(
  null,
  0,
  -0,
  'a',
  'b',
  true,
  new Uint8Array([9]),
  new Map(),
  { zero: -0, empty: new Map() },
  [1, 'two'],
  { __proto__: null, constructor: 1 } as unknown as Value,
  new Map<string, Value>([['k', [null]]]),
);

const countArb = fc.integer({ min: 0, max: 5 });

function subject<S, V>(s: Subject<S, V>): Subject {
  return s as unknown as Subject;
}

const opt = <S>(o: SubjectReplicaOptions<S> = {}) => o;

/** Same-valued keys as the types see them (byte arrays by content, -0 as 0). */
export function keyId(k: Key): string {
  if (k instanceof Uint8Array) return `bytes:${[...k].join(',')}`;
  return `${typeof k}:${Object.is(k, -0) ? 0 : String(k)}`;
}

function mapModel<V>(before: Map<Key, V>, key: Key, next: V | undefined): Map<Key, V> {
  const out = new Map<Key, V>();
  let placed = false;
  for (const [k, v] of before) {
    if (keyId(k) !== keyId(key)) out.set(k, v);
    else if (next !== undefined) {
      out.set(k, next);
      placed = true;
    }
  }
  if (!placed && next !== undefined) out.set(key, next);
  return out;
}

function setModel(before: Set<Key>, elem: Key, present: boolean): Set<Key> {
  const out = new Set([...before].filter((e) => keyId(e) !== keyId(elem)));
  if (present) out.add(elem);
  return out;
}

export const gCounter = subject({
  name: 'GCounter',
  crdt: GCounter,
  causal: false,
  op: countArb.map((n) => ({ kind: 'inc', n })),
  mutate: (s, r, op) => GCounter.increment(s, r, op.n),
  replica: (id, o) => new GCounterReplica(id, opt(o)),
  apply: (rep, op) => (rep as GCounterReplica).increment(op.n),
  model: (v, op) => v + (op.n ?? 0),
});

export const pnCounter = subject({
  name: 'PNCounter',
  crdt: PNCounter,
  causal: false,
  op: fc.record({ kind: fc.constantFrom('inc', 'dec'), n: countArb }),
  mutate: (s, r, op) =>
    op.kind === 'inc' ? PNCounter.increment(s, r, op.n) : PNCounter.decrement(s, r, op.n),
  replica: (id, o) => new PNCounterReplica(id, opt(o)),
  apply: (rep, op) =>
    op.kind === 'inc' ? (rep as PNCounterReplica).increment(op.n) : (rep as PNCounterReplica).decrement(op.n),
  model: (v, op) => v + (op.kind === 'inc' ? 1 : -1) * (op.n ?? 0),
});

export const gSet = subject({
  name: 'GSet',
  crdt: GSet,
  causal: false,
  op: keyArb.map((elem) => ({ kind: 'add', elem })),
  mutate: (s, r, op) => GSet.add(s, r, op.elem as Key),
  replica: (id, o) => new GSetReplica(id, opt(o)),
  apply: (rep, op) => (rep as GSetReplica).add(op.elem as Key),
  model: (v, op) => setModel(v, op.elem as Key, true),
});

export const orSet = subject({
  name: 'ORSet',
  crdt: ORSet,
  causal: true,
  op: fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('add', 'remove'), elem: keyArb }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'clear' }) },
  ),
  mutate(s, r, op) {
    if (op.kind === 'add') return ORSet.add(s, r, op.elem as Key);
    if (op.kind === 'remove') return ORSet.remove(s, op.elem as Key);
    return ORSet.clear(s);
  },
  replica: (id, o) => new ORSetReplica(id, opt(o)),
  apply(rep, op) {
    const set = rep as ORSetReplica;
    if (op.kind === 'add') return set.add(op.elem as Key);
    if (op.kind === 'remove') return set.remove(op.elem as Key);
    return set.clear();
  },
  model: (v, op) => (op.kind === 'clear' ? new Set() : setModel(v, op.elem as Key, op.kind === 'add')),
});

export const ewFlag = subject({
  name: 'EWFlag',
  crdt: EWFlag,
  causal: true,
  op: fc.constantFrom({ kind: 'enable' }, { kind: 'disable' }),
  mutate: (s, r, op) => (op.kind === 'enable' ? EWFlag.enable(s, r) : EWFlag.disable(s)),
  replica: (id, o) => new EWFlagReplica(id, opt(o)),
  apply: (rep, op) =>
    op.kind === 'enable' ? (rep as EWFlagReplica).enable() : (rep as EWFlagReplica).disable(),
  model: (_v, op) => op.kind === 'enable',
});

export const mvRegister = subject({
  name: 'MVRegister',
  crdt: MVRegister,
  causal: true,
  op: fc.oneof(
    { weight: 4, arbitrary: valueArb.map((value) => ({ kind: 'set', value })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'clear' }) },
  ),
  mutate: (s, r, op) => (op.kind === 'set' ? MVRegister.set(s, r, op.value as Value) : MVRegister.clear(s)),
  replica: (id, o) => new MVRegisterReplica(id, opt(o)),
  apply: (rep, op) =>
    op.kind === 'set'
      ? (rep as MVRegisterReplica).set(op.value as Value)
      : (rep as MVRegisterReplica).clear(),
  model: (_v, op) => (op.kind === 'set' ? [op.value as Value] : []),
});

export const lwwRegister = subject({
  name: 'LWWRegister',
  crdt: LWWRegister,
  causal: false,
  op: valueArb.map((value) => ({ kind: 'set', value })),
  mutate: (s, r, op, clock) => LWWRegister.set(s, r, op.value as Value, clock),
  replica: (id, o) => new LWWRegisterReplica(id, opt(o)),
  apply: (rep, op) => (rep as LWWRegisterReplica).set(op.value as Value),
  model: (_v, op) => op.value,
});

export const lwwMap = subject({
  name: 'LWWMap',
  crdt: LWWMap,
  causal: false,
  op: fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('set'), key: keyArb, value: valueArb }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete'), key: keyArb }) },
  ),
  mutate: (s, r, op, clock) =>
    op.kind === 'set'
      ? LWWMap.set(s, r, op.key as Key, op.value as Value, clock)
      : LWWMap.delete(s, r, op.key as Key, clock),
  replica: (id, o) => new LWWMapReplica(id, opt(o)),
  apply: (rep, op) =>
    op.kind === 'set'
      ? (rep as LWWMapReplica).set(op.key as Key, op.value as Value)
      : (rep as LWWMapReplica).delete(op.key as Key),
  model: (v, op) => mapModel(v, op.key as Key, op.kind === 'set' ? (op.value as Value) : undefined),
});

/** Whether a causal value is bottom-like (its key vanishes from an OR-Map). */
function causalEmpty(v: unknown): boolean {
  if (v instanceof Map || v instanceof Set) return v.size === 0;
  if (Array.isArray(v)) return v.length === 0;
  return v === false;
}

/** The OR-Map subject over values of subject `inner`, with a small key pool. */
export function orMapOf(inner: Subject): Subject {
  const type = ORMap.of(inner.crdt);
  const keys = fc.constantFrom<Key>('k', '__proto__', 3, new Uint8Array([7]));
  return subject<unknown, Map<Key, unknown>>({
    name: `ORMap.of(${inner.name})`,
    crdt: type as unknown as Crdt<unknown, Map<Key, unknown>>,
    causal: true,
    op: fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('update'), key: keys, inner: inner.op }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove'), key: keys }) },
    ),
    mutate(s, r, op, clock) {
      const state = s as Parameters<typeof type.remove>[0];
      if (op.kind === 'remove') return type.remove(state, op.key as Key);
      return type.update(state, r, op.key as Key, (v) => inner.mutate(v, r, op.inner as Op, clock));
    },
    replica: (id, o) => new ORMapReplica(type, id, opt(o as SubjectReplicaOptions<never>)) as never,
    apply(rep, op) {
      const map = rep as unknown as ORMapReplica<unknown, unknown>;
      if (op.kind === 'remove') return map.remove(op.key as Key);
      return map.update(op.key as Key, (v, id, clock) => inner.mutate(v, id, op.inner as Op, clock));
    },
    model(v, op) {
      if (op.kind === 'remove') return mapModel(v, op.key as Key, undefined);
      const cur = [...v].find(([k]) => keyId(k) === keyId(op.key as Key))?.[1];
      const next = inner.model(cur ?? inner.crdt.value(inner.crdt.empty()), op.inner as Op);
      return mapModel(v, op.key as Key, inner.causal && causalEmpty(next) ? undefined : next);
    },
  });
}

/** Every type the generic suites run over. */
export const SUBJECTS: readonly Subject[] = [
  gCounter,
  pnCounter,
  gSet,
  orSet,
  ewFlag,
  mvRegister,
  lwwRegister,
  lwwMap,
  orMapOf(orSet),
  orMapOf(pnCounter),
  orMapOf(lwwRegister),
  orMapOf(orMapOf(mvRegister)),
];
