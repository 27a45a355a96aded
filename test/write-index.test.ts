import { decodeInto, encode } from '@nlbd/codec';
import { type Digest, DotContext, HybridLogicalClock, type ReplicaId } from '@nlbd/core';
import { KeyMap, type LWWEntry, LWWMap, type LWWMapState, writeIndexOf } from '@nlbd/crdts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperty } from './support/property.ts';

// From its second query of a map on, `LWWMap.deltaSince` finds the writes a digest lacks through
// an index of the entries by writer and sequence number, kept current by every path that sets an entry: local writes in place and
// by delta, joins of states and deltas, rows decoded into the map, and compaction dropping
// tombstones. Whatever the order, it must answer exactly what visiting every entry answers.

/** What `deltaSince` answered before the index: every entry whose write the digest lacks. */
function lackingByScan(s: LWWMapState, d: Digest): LWWMapState {
  const entries = new KeyMap<LWWEntry>();
  for (const [k, e] of s.entries) if (!DotContext.hasEvent(d.seen, e.replica, e.seq)) entries.set(k, e);
  return { entries, context: DotContext.subtract(s.context, d.seen) };
}

const IDS: readonly ReplicaId[] = ['s', 'p', 'q'];
const key = fc.integer({ min: 0, max: 40 }).map((i) => `k${i}`);
const op = fc.oneof(
  fc.record({ kind: fc.constantFrom('setInto', 'deleteInto', 'setDelta'), key, value: fc.integer() }),
  fc.record({ kind: fc.constant('peerWrite'), peer: fc.constantFrom(1, 2), key, deleted: fc.boolean() }),
  fc.record({
    kind: fc.constantFrom('joinState', 'joinDelta', 'decodeState', 'decodeDelta', 'peerPulls'),
    peer: fc.constantFrom(1, 2),
  }),
  fc.record({ kind: fc.constantFrom('compact', 'snapshot') }),
  fc.record({ kind: fc.constant('query'), digest: fc.nat() }),
);

describe('LWWMap.deltaSince through the write index', () => {
  it('answers what a scan of every entry answers, after any mix of writes and joins', () => {
    checkProperty(
      fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), (ops) => {
        let now = 1_000;
        const states = IDS.map(() => LWWMap.empty());
        const clocks = IDS.map((id) => new HybridLogicalClock(id, { now: () => now }));
        const s = states[0] as LWWMapState;
        // Digests seen so far: the empty one, and snapshots of every replica along the way.
        const digests: Digest[] = [LWWMap.digest(LWWMap.empty())];
        const check = (d: Digest) =>
          expect(LWWMap.equals(LWWMap.deltaSince(s, d), lackingByScan(s, d))).toBe(true);
        for (const o of ops) {
          now += 1;
          if (o.kind === 'setInto') LWWMap.setInto(s, 's', o.key, o.value, clocks[0]!);
          else if (o.kind === 'deleteInto') LWWMap.deleteInto(s, 's', o.key, clocks[0]!);
          else if (o.kind === 'setDelta') LWWMap.joinInto(s, LWWMap.set(s, 's', o.key, o.value, clocks[0]!));
          else if (o.kind === 'peerWrite') {
            const p = states[o.peer]!;
            const id = IDS[o.peer]!;
            const d = o.deleted
              ? LWWMap.delete(p, id, o.key, clocks[o.peer]!)
              : LWWMap.set(p, id, o.key, o.key.length, clocks[o.peer]!);
            LWWMap.joinInto(p, d);
          } else if (o.kind === 'joinState') LWWMap.joinInto(s, LWWMap.clone(states[o.peer]!));
          else if (o.kind === 'joinDelta')
            LWWMap.joinInto(s, LWWMap.deltaSince(states[o.peer]!, LWWMap.digest(s)));
          else if (o.kind === 'decodeState') decodeInto(LWWMap, s, encode(LWWMap, states[o.peer]!));
          else if (o.kind === 'decodeDelta') {
            const delta = LWWMap.deltaSince(states[o.peer]!, LWWMap.digest(s));
            decodeInto(LWWMap, s, encode(LWWMap, delta, { kind: 'delta' }));
          } else if (o.kind === 'peerPulls') LWWMap.joinInto(states[o.peer]!, LWWMap.clone(s));
          else if (o.kind === 'compact') LWWMap.compact(s, s.context.vv);
          else if (o.kind === 'snapshot') for (const t of states) digests.push(LWWMap.digest(t));
          else if (o.kind === 'query') check(digests[o.digest % digests.length]!);
        }
        for (const d of digests) check(d);
      }),
    );
  });

  it('rebuilds the index once overwritten writes outnumber the entries', () => {
    let now = 1_000;
    const clock = new HybridLogicalClock('s', { now: () => now++ });
    const s = LWWMap.empty();
    for (let i = 0; i < 10; i++) LWWMap.setInto(s, 's', `k${i}`, i, clock);
    const before = LWWMap.digest(s);
    expect(LWWMap.deltaSince(s, before).entries.size).toBe(0);
    expect(writeIndexOf(s.entries)).toBeUndefined();
    expect(LWWMap.deltaSince(s, before).entries.size).toBe(0);
    expect(writeIndexOf(s.entries)?.items).toBe(10);
    // 2,000 overwrites of 10 keys leave 1,990 stale items; the next query starts afresh.
    for (let i = 0; i < 2_000; i++) LWWMap.setInto(s, 's', `k${i % 10}`, i, clock);
    expect(writeIndexOf(s.entries)?.items).toBe(2_010);
    const delta = LWWMap.deltaSince(s, before);
    expect(delta.entries.size).toBe(10);
    expect(writeIndexOf(s.entries)?.items).toBe(10);
    expect(LWWMap.equals(delta, lackingByScan(s, before))).toBe(true);
  });

  it('skips the blocks of writes a digest has seen, and still finds late and scattered ones', () => {
    let now = 1_000;
    const clock = new HybridLogicalClock('s', { now: () => now++ });
    const peerClock = new HybridLogicalClock('p', { now: () => now++ });
    const s = LWWMap.empty();
    const peer = LWWMap.empty();
    for (let i = 0; i < 3_000; i++) LWWMap.setInto(s, 's', `k${i}`, i, clock);
    const early = LWWMap.digest(s);
    // The first query visits every entry; the second builds the index.
    for (let i = 0; i < 2; i++) expect(LWWMap.deltaSince(s, early).entries.size).toBe(0);
    expect(writeIndexOf(s.entries)?.items).toBe(3_000);
    // Overwrites of early keys, peer writes arriving in key order with scattered sequence
    // numbers, and deletes: all after the digest.
    for (let i = 0; i < 3_000; i += 97) LWWMap.setInto(s, 's', `k${i}`, -i, clock);
    for (let i = 2_999; i >= 0; i -= 13) LWWMap.joinInto(peer, LWWMap.set(peer, 'p', `k${i}`, i, peerClock));
    decodeInto(LWWMap, s, encode(LWWMap, peer));
    for (let i = 5; i < 3_000; i += 211) LWWMap.deleteInto(s, 's', `k${i}`, clock);
    const delta = LWWMap.deltaSince(s, early);
    expect(LWWMap.equals(delta, lackingByScan(s, early))).toBe(true);
    // What the digest lacks: 31 overwrites, 231 peer writes (some overwritten by deletes) and the
    // deletes; nothing it has seen.
    expect(delta.entries.size).toBeGreaterThan(231);
    expect(delta.entries.size).toBeLessThan(300);
    for (const d of [LWWMap.digest(s), LWWMap.digest(peer), LWWMap.digest(LWWMap.empty())])
      expect(LWWMap.equals(LWWMap.deltaSince(s, d), lackingByScan(s, d))).toBe(true);
  });
});
