import { HybridLogicalClock } from '@nlbd/core';
import { LWWMap, LWWMapReplica, ORMap, ORMapReplica, ORSet, ORSetReplica, PNCounter } from '@nlbd/crdts';
import { describe, expect, it } from 'vitest';

// Scale sanity, without timing assertions: each of these is linear in the number of operations
// (removals find their element through the dot index), so they finish well inside the test
// timeout; an O(n) step per operation would turn them quadratic and time out.

const N = 100_000;

describe('at scale', () => {
  it('an ORSet replica adds 100,000 elements, removes half, and a peer follows delta by delta', () => {
    const a = new ORSetReplica('a');
    const b = new ORSetReplica('b');
    let events = 0;
    b.onChange(() => events++);
    for (let i = 0; i < N; i++) b.merge(a.add(i));
    for (let i = 0; i < N; i += 2) b.merge(a.remove(i));
    expect(ORSet.size(a.state)).toBe(N / 2);
    expect(ORSet.equals(a.state, b.state)).toBe(true);
    expect(events).toBe(N + N / 2);
    const d = a.takeDelta();
    expect(ORSet.size(d as never)).toBe(N / 2);
  });

  it('an ORMap of counters takes 100,000 updates and 50,000 key removals', () => {
    const m = new ORMapReplica(ORMap.of(PNCounter), 'a');
    for (let i = 0; i < N; i++) m.update(i % 50_000, (c, id) => PNCounter.increment(c, id));
    for (let i = 0; i < N / 2; i += 2) m.remove(i);
    expect(m.value.size).toBe(25_000);
    expect(m.value.get(1)).toBe(2);
  });

  it('an LWWMap of 100,000 entries merges into an empty replica and deletes half', () => {
    const clock = new HybridLogicalClock('a', { now: () => 1_000 });
    const a = new LWWMapReplica('a', { clock });
    for (let i = 0; i < N; i++) a.set(i, i);
    const b = new LWWMapReplica('b');
    b.merge(a.state);
    for (let i = 0; i < N; i += 2) a.delete(i);
    b.merge(a.takeDelta() as never);
    expect(LWWMap.size(b.state)).toBe(N / 2);
  });
});
