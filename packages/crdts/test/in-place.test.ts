import { HybridLogicalClock } from '@nlbd/core';
import { LWWMap, type LWWMapState, ORSet, type ORSetState } from '@nlbd/crdts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperty } from '../../../test/support/property.ts';

// The in-place mutators must leave a state exactly as joining their delta would, whatever came
// before: overwrites, deletes, clouds from a concurrent replica's writes, and (for the OR-Set) the
// dot index that small removal deltas build.

// Enough keys that a one-dot removal is small next to the set (under a quarter of its size), so
// joining it goes through the dot index.
const key = fc.constantFrom(...'abcdefghijkl');
/** Who acts: the replica under test (`a`, both ways at once) or its peer `b`; then a sync. */
const step = fc.oneof(
  fc.record({
    who: fc.constantFrom('a', 'b'),
    op: fc.constantFrom('write', 'erase'),
    key,
    value: fc.integer(),
  }),
  fc.record({
    who: fc.constant('sync'),
    op: fc.constantFrom('b→a', 'a→b', 'b-erase→a'),
    key,
    value: fc.integer(),
  }),
);

describe('in-place mutators equal joining their delta', () => {
  it('LWWMap.setInto and deleteInto', () => {
    checkProperty(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 0, max: 3 }), (steps, tick) => {
        let now = 1_000;
        const clock = () => new HybridLogicalClock('a', { now: () => now });
        const [viaDelta, inPlace, peer] = [LWWMap.empty(), LWWMap.empty(), LWWMap.empty()];
        const [c1, c2, cb] = [clock(), clock(), new HybridLogicalClock('b', { now: () => now })];
        for (const s of steps) {
          now += tick;
          if (s.who === 'a' && s.op === 'write') {
            LWWMap.joinInto(viaDelta, LWWMap.set(viaDelta, 'a', s.key, s.value, c1));
            LWWMap.setInto(inPlace, 'a', s.key, s.value, c2);
          } else if (s.who === 'a') {
            LWWMap.joinInto(viaDelta, LWWMap.delete(viaDelta, 'a', s.key, c1));
            LWWMap.deleteInto(inPlace, 'a', s.key, c2);
          } else if (s.who === 'b') {
            const d =
              s.op === 'write'
                ? LWWMap.set(peer, 'b', s.key, s.value, cb)
                : LWWMap.delete(peer, 'b', s.key, cb);
            LWWMap.joinInto(peer, d);
          } else if (s.op === 'a→b') LWWMap.joinInto(peer, LWWMap.clone(viaDelta));
          else {
            // The peer's whole state, or only what the replica lacks (a delta with a cloud).
            const from = (t: LWWMapState) =>
              s.op === 'b→a' ? LWWMap.clone(peer) : LWWMap.deltaSince(peer, LWWMap.digest(t));
            LWWMap.joinInto(viaDelta, from(viaDelta));
            LWWMap.joinInto(inPlace, from(inPlace));
          }
          expect(LWWMap.equals(inPlace, viaDelta)).toBe(true);
        }
      }),
    );
  });

  it('ORSet.addInto and removeInto, with the dot index small removals build', () => {
    checkProperty(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        const [viaDelta, inPlace, peer]: [ORSetState, ORSetState, ORSetState] = [
          ORSet.empty(),
          ORSet.empty(),
          ORSet.empty(),
        ];
        for (const s of steps) {
          if (s.who === 'a' && s.op === 'write') {
            ORSet.joinInto(viaDelta, ORSet.add(viaDelta, 'a', s.key));
            ORSet.addInto(inPlace, 'a', s.key);
          } else if (s.who === 'a') {
            ORSet.joinInto(viaDelta, ORSet.remove(viaDelta, s.key));
            ORSet.removeInto(inPlace, s.key);
          } else if (s.who === 'b') {
            ORSet.joinInto(peer, s.op === 'write' ? ORSet.add(peer, 'b', s.key) : ORSet.remove(peer, s.key));
          } else if (s.op === 'a→b') ORSet.joinInto(peer, ORSet.clone(viaDelta));
          else {
            // A removal delta has a small context: joining it looks its dots up in the index.
            const d = s.op === 'b→a' ? ORSet.clone(peer) : ORSet.remove(peer, s.key);
            ORSet.joinInto(viaDelta, d);
            ORSet.joinInto(inPlace, ORSet.clone(d));
          }
          expect(ORSet.equals(inPlace, viaDelta)).toBe(true);
        }
        // The index stays current: removing every element leaves both states without one.
        for (const e of ORSet.value(inPlace)) ORSet.removeInto(inPlace, e);
        for (const e of ORSet.value(viaDelta)) ORSet.joinInto(viaDelta, ORSet.remove(viaDelta, e));
        expect(ORSet.size(inPlace)).toBe(0);
        expect(ORSet.equals(inPlace, viaDelta)).toBe(true);
      }),
    );
  });

  it('ORSet.addInto keeps the dot index current once a small removal has built it', () => {
    const s = ORSet.empty();
    for (const e of 'abcdefgh') ORSet.addInto(s, 'r', e);
    const peer = ORSet.clone(s);
    // One dot against eight elements: the join looks it up in the index, building it.
    ORSet.joinInto(s, ORSet.remove(peer, 'a'));
    expect(ORSet.has(s, 'a')).toBe(false);
    ORSet.addInto(s, 'r', 'i');
    ORSet.joinInto(peer, ORSet.clone(s));
    // Found only if the in-place add indexed its dot.
    ORSet.joinInto(s, ORSet.remove(peer, 'i'));
    expect(ORSet.has(s, 'i')).toBe(false);
    ORSet.removeInto(s, 'b');
    ORSet.joinInto(peer, ORSet.clone(s));
    ORSet.addInto(s, 'r', 'b');
    expect(ORSet.value(s)).toEqual(new Set('bcdefgh'));
  });

  it('validate their input as the delta mutators do', () => {
    const clock = new HybridLogicalClock('a');
    expect(() => LWWMap.setInto(LWWMap.empty(), '', 'k', 1, clock)).toThrow(/setInto\.replica|replica id/);
    expect(() => LWWMap.setInto(LWWMap.empty(), 'a', 'k', undefined as never, clock)).toThrow(
      /setInto\.value|storable/,
    );
    expect(() => ORSet.addInto(ORSet.empty(), 'a', '\ud800')).toThrow(/lone surrogate/);
    expect(() => ORSet.removeInto(ORSet.empty(), Number.NaN)).toThrow(/finite/);
  });
});
