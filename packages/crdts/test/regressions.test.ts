import { DotContext, HybridLogicalClock, OverflowError } from '@nlbd/core';
import {
  GSet,
  LWWMap,
  LWWRegister,
  ORMap,
  ORSet,
  ORSetReplica,
  PNCounter,
  PNCounterReplica,
} from '@nlbd/crdts';
import { describe, expect, it } from 'vitest';

// Failing cases found by the generic suites in test/, kept as plain examples.

describe('dot index of a dot map (causal.ts)', () => {
  it('stays current when a join builds it: a duplicated removal delta is a no-op', () => {
    let s = ORSet.empty();
    for (const e of 'abcdefghij') s = ORSet.join(s, ORSet.add(s, 'r', e));
    const removal = ORSet.remove(s, 'a');
    expect(ORSet.joinInto(s, removal)).toBe(true);
    // The index built by the first join used to keep 'a' and this join threw a TypeError.
    expect(ORSet.joinInto(s, removal)).toBe(false);
    ORSet.joinInto(s, ORSet.add(s, 'q', 'a'));
    ORSet.joinInto(s, ORSet.remove(s, 'b'));
    expect([...ORSet.value(s)].sort().join('')).toBe('acdefghij');
  });

  it('survives a replica re-receiving its own removal', () => {
    const r = new ORSetReplica('r');
    for (let i = 0; i < 20; i++) r.add(i);
    const d = r.remove(3);
    expect(r.merge(d)).toBe(false);
    expect(r.has(3)).toBe(false);
  });
});

describe('OR-Map over values without dots (or-map.ts)', () => {
  const M = ORMap.of(PNCounter);
  // p: alice added 5 under k; q: alice then removed k; r: bob added 1 under k, concurrently.
  const p = M.empty();
  M.joinInto(
    p,
    M.update(p, 'alice', 'k', (v) => PNCounter.increment(v, 'alice', 5)),
  );
  const q = M.join(p, M.remove(p, 'k'));
  const r = M.empty();
  M.joinInto(
    r,
    M.update(r, 'bob', 'k', (v) => PNCounter.increment(v, 'bob', 1)),
  );

  it('joins associatively (the one joined value per key gave 1 one way and 6 the other)', () => {
    const left = M.join(M.join(p, q), r);
    const right = M.join(p, M.join(q, r));
    expect(M.equals(left, right)).toBe(true);
    expect(M.value(left)).toEqual(new Map([['k', 1]]));
  });

  it('deltaSince lifts a replica that got a later update but missed the earlier one', () => {
    // bob saw alice's +5, then added 2; carol got only bob's delta (alice's was dropped).
    const bob = M.clone(p);
    const d = M.update(bob, 'bob', 'k', (v) => PNCounter.increment(v, 'bob', 2));
    M.joinInto(bob, d);
    const carol = M.join(M.empty(), d);
    expect(M.value(carol)).toEqual(new Map([['k', 7]]));
    M.joinInto(carol, M.deltaSince(bob, M.digest(carol)));
    expect(M.leq(bob, carol)).toBe(true);
  });

  it('a concurrent update survives a removal with the value its writer saw', () => {
    const clock = (id: string) => new HybridLogicalClock(id, { now: () => 1_000 });
    const R = ORMap.of(LWWRegister);
    const base = R.empty();
    R.joinInto(
      base,
      R.update(base, 'alice', 'k', (v) => LWWRegister.set(v, 'alice', 'old', clock('alice'))),
    );
    const removed = R.join(base, R.remove(base, 'k'));
    const updated = R.clone(base);
    R.joinInto(
      updated,
      R.update(updated, 'bob', 'k', (v) => LWWRegister.set(v, 'bob', 'new', clock('bob'))),
    );
    expect(R.value(R.join(removed, updated))).toEqual(new Map([['k', 'new']]));
    expect(R.value(R.join(updated, removed))).toEqual(new Map([['k', 'new']]));
  });
});

describe('PN-Counter value near the safe range (pn-counter.ts)', () => {
  const MAX = Number.MAX_SAFE_INTEGER;

  it('is exact when replicas’ totals pass the range but cancel out', () => {
    const a = new PNCounterReplica('a');
    a.increment(MAX - 1);
    const b = new PNCounterReplica('b');
    b.increment(5);
    const c = new PNCounterReplica('c');
    c.decrement(10);
    a.merge(b.state);
    a.merge(c.state);
    // The sum of increments, MAX + 4, used to make value() throw although the value is MAX - 6.
    expect(a.value).toBe(MAX - 6);
    c.merge(a.state);
    c.increment(6);
    expect(c.value).toBe(MAX);
    expect(() => c.increment(1)).toThrow(OverflowError);
  });

  it('still refuses a value outside the range', () => {
    const a = new PNCounterReplica('a');
    a.increment(MAX);
    const b = new PNCounterReplica('b');
    b.increment(MAX);
    a.merge(b.state);
    expect(() => a.value).toThrow(OverflowError);
  });
});

describe('LWWMap.deltaSince (lww-map.ts)', () => {
  it('carries the context of exactly the writes the digest lacks, not the whole context', () => {
    // Found by the simulator's property: a peer that lost its state and took an answer to an
    // older digest of its own recorded writes it no longer held.
    const clock = new HybridLogicalClock('a', { now: () => 1_000 });
    const s = LWWMap.empty();
    for (const k of ['x', 'y', 'z']) LWWMap.joinInto(s, LWWMap.set(s, 'a', k, 1, clock));
    const seen = LWWMap.digest(s);
    LWWMap.joinInto(s, LWWMap.set(s, 'a', 'x', 2, clock));
    LWWMap.joinInto(s, LWWMap.set(s, 'a', 'w', 3, clock));
    const delta = LWWMap.deltaSince(s, seen);
    expect([...delta.entries.keys()].sort()).toEqual(['w', 'x']);
    expect(DotContext.hasEvent(delta.context, 'a', 3)).toBe(false);
    expect(DotContext.hasEvent(delta.context, 'a', 4)).toBe(true);
    expect(DotContext.hasEvent(delta.context, 'a', 5)).toBe(true);
    // Joined into an empty replica, it claims only what it brought.
    const fresh = LWWMap.empty();
    LWWMap.joinInto(fresh, delta);
    expect(DotContext.hasEvent(fresh.context, 'a', 2)).toBe(false);
    // And on top of what the digest stood for, it gives back the whole state.
    const rest = LWWMap.empty();
    LWWMap.joinInto(rest, LWWMap.deltaSince(s, LWWMap.digest(LWWMap.empty())));
    expect(LWWMap.equals(rest, s)).toBe(true);
  });
});

describe('LWWMap.joinInto (lww-map.ts)', () => {
  it('reports a change that only the context brings', () => {
    // The entries are joined apart from the context: its change must not be lost.
    const clock = new HybridLogicalClock('a', { now: () => 1_000 });
    const s = LWWMap.empty();
    LWWMap.setInto(s, 'a', 'x', 1, clock);
    const last = LWWMap.set(s, 'a', 'x', 2, clock);
    LWWMap.joinInto(s, last);
    const t = LWWMap.empty();
    expect(LWWMap.joinInto(t, last)).toBe(true);
    // Same entries; only the overwritten write's dot is new to t.
    expect(LWWMap.joinInto(t, s)).toBe(true);
    expect(LWWMap.equals(t, s)).toBe(true);
    expect(LWWMap.joinInto(t, s)).toBe(false);
  });
});

describe('GSet.deltaSince (g-set.ts)', () => {
  it('carries the context of exactly the adds the digest lacks, not the whole context', () => {
    // Found by the simulator's property (seed 232982737), as for the LWW-Map: a peer that
    // restarted empty was answered for a digest from before its crash and claimed adds it lacked.
    const s = GSet.empty();
    for (const e of ['x', 'y']) GSet.joinInto(s, GSet.add(s, 'a', e));
    const seen = GSet.digest(s);
    GSet.joinInto(s, GSet.add(s, 'a', 'z'));
    const delta = GSet.deltaSince(s, seen);
    expect([...delta.elements.keys()]).toEqual(['z']);
    const fresh = GSet.empty();
    GSet.joinInto(fresh, delta);
    expect(DotContext.hasEvent(fresh.context, 'a', 1)).toBe(false);
    expect(DotContext.hasEvent(fresh.context, 'a', 3)).toBe(true);
    const rest = GSet.empty();
    GSet.joinInto(rest, GSet.deltaSince(s, GSet.digest(GSet.empty())));
    expect(GSet.equals(rest, s)).toBe(true);
  });
});
