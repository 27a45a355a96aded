import { decode, encode } from '@nlbd/codec';
import { HybridLogicalClock } from '@nlbd/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HISTORY_REPLICAS, type History, historyArb, pick } from './support/crdt-history.ts';
import { SUBJECTS, type Subject } from './support/crdt-subjects.ts';
import { checkProperty } from './support/property.ts';
import { snapshot } from './support/snapshot.ts';

// The laws of DESIGN.md, for every type, over states drawn from one generated history of one
// object: several replicas, random operations, deltas delivered out of order, duplicated or
// dropped, and full-state merges. States of unrelated objects would share dots by accident.

const RUNS = { ciRuns: 300, localRuns: 100 } as const;

/** Replica snapshots and deltas alike: deltas are states of the same lattice. */
const everything = <S>(h: History<S>): readonly S[] => [...h.states, ...h.deltas];

/** A clock frozen after every time the histories use, so a replica and a descriptor stamp alike. */
const frozenClock = (replica: string) => new HybridLogicalClock(replica, { now: () => 1_000_000 });

describe.each(SUBJECTS.map((s) => [s.name, s] as const))('%s', (_name, subject: Subject) => {
  const { crdt } = subject;
  const eq = (a: unknown, b: unknown) => crdt.equals(a, b);
  const history = historyArb(subject);
  const three = fc.tuple(history, fc.nat(), fc.nat(), fc.nat());

  it('join is commutative, associative and idempotent, with empty() as identity', () => {
    checkProperty(
      fc.property(three, ([h, i, j, k]) => {
        const [a, b, c] = [pick(everything(h), i), pick(everything(h), j), pick(everything(h), k)];
        expect(eq(crdt.join(a, b), crdt.join(b, a))).toBe(true);
        expect(eq(crdt.join(crdt.join(a, b), c), crdt.join(a, crdt.join(b, c)))).toBe(true);
        expect(eq(crdt.join(a, a), a)).toBe(true);
        expect(eq(crdt.join(a, crdt.empty()), a)).toBe(true);
        expect(eq(crdt.join(crdt.empty(), a), a)).toBe(true);
      }),
      RUNS,
    );
  });

  it('joinInto agrees with join and returns true iff the target changed', () => {
    checkProperty(
      fc.property(three, ([h, i, j]) => {
        const [a, b] = [pick(everything(h), i), pick(everything(h), j)];
        const target = crdt.clone(a);
        const changed = crdt.joinInto(target, b);
        expect(eq(target, crdt.join(a, b))).toBe(true);
        expect(changed).toBe(!eq(target, a));
      }),
      RUNS,
    );
  });

  it('leq(a, b) iff join(a, b) equals b; join is the least upper bound', () => {
    checkProperty(
      fc.property(three, ([h, i, j, k]) => {
        const [a, b, c] = [pick(everything(h), i), pick(everything(h), j), pick(everything(h), k)];
        const ab = crdt.join(a, b);
        expect(crdt.leq(a, b)).toBe(eq(ab, b));
        expect(crdt.leq(a, ab) && crdt.leq(b, ab)).toBe(true);
        if (crdt.leq(a, c) && crdt.leq(b, c)) expect(crdt.leq(ab, c)).toBe(true);
      }),
      RUNS,
    );
  });

  it('join, value, digest and deltaSince leave their inputs alone', () => {
    checkProperty(
      fc.property(three, ([h, i, j]) => {
        const [a, b] = [pick(everything(h), i), pick(everything(h), j)];
        const [a0, b0] = [snapshot(a), snapshot(b)];
        crdt.join(a, b);
        crdt.value(a);
        crdt.deltaSince(a, crdt.digest(b));
        expect(snapshot(a)).toEqual(a0);
        expect(snapshot(b)).toEqual(b0);
      }),
      RUNS,
    );
  });

  it("a mutator's delta d: join(s, d) is the replica's mutated state, d ⊑ join(s, d), s untouched", () => {
    const args = fc.tuple(history, fc.nat(), fc.constantFrom(...HISTORY_REPLICAS), subject.op);
    checkProperty(
      fc.property(args, ([h, i, id, op]) => {
        const s = pick(h.states, i);
        const before = snapshot(s);
        const delta = subject.mutate(s, id, op, frozenClock(id));
        expect(snapshot(s)).toEqual(before);
        const replica = subject.replica(id, { state: s, clock: frozenClock(id) });
        const reported = subject.apply(replica, op);
        const next = crdt.join(s, delta);
        expect(eq(replica.state, next)).toBe(true);
        expect(eq(reported, delta)).toBe(true);
        expect(crdt.leq(delta, next)).toBe(true);
        expect(crdt.leq(s, next)).toBe(true);
      }),
      RUNS,
    );
  });

  it('join(t, deltaSince(s, digest(t))) ⊒ s for states s, t of one object', () => {
    checkProperty(
      fc.property(three, ([h, i, j]) => {
        const [s, t] = [pick(h.states, i), pick(h.states, j)];
        const delta = crdt.deltaSince(s, crdt.digest(t));
        expect(crdt.leq(s, crdt.join(t, delta))).toBe(true);
        expect(crdt.leq(delta, s)).toBe(true);
      }),
      RUNS,
    );
  });

  it('a clone shares nothing mutable with its original', () => {
    const args = fc.tuple(history, fc.nat(), fc.nat(), subject.op);
    checkProperty(
      fc.property(args, ([h, i, j, op]) => {
        const [s, other] = [crdt.clone(pick(h.states, i)), pick(everything(h), j)];
        const copy = crdt.clone(s);
        const s0 = snapshot(s);
        crdt.joinInto(copy, other);
        crdt.joinInto(copy, subject.mutate(copy, 'z', op, frozenClock('z')));
        expect(snapshot(s)).toEqual(s0);
        const copy0 = snapshot(copy);
        crdt.joinInto(s, other);
        crdt.joinInto(s, subject.mutate(s, 'y', op, frozenClock('y')));
        expect(snapshot(copy)).toEqual(copy0);
      }),
      RUNS,
    );
  });

  it('encode then decode is the identity, and encoding is deterministic', () => {
    checkProperty(
      fc.property(three, ([h, i]) => {
        const s = pick(everything(h), i);
        const bytes = encode(crdt, s);
        const back = decode(crdt, bytes);
        expect(eq(back, s)).toBe(true);
        expect(encode(crdt, back)).toEqual(bytes);
      }),
      RUNS,
    );
  });
});
