import { HybridLogicalClock, ValidationError } from '@nlbd/core';
import {
  admitTimestamps,
  LWWMap,
  LWWRegister,
  latestTimestamp,
  ORMap,
  ORMapReplica,
  ORSet,
  PNCounter,
  timestampsIn,
} from '@nlbd/crdts';
import { describe, expect, it } from 'vitest';

const clockAt = (replica: string, ms: number) => new HybridLogicalClock(replica, { now: () => ms });

describe('timestamps of LWW entries', () => {
  it('are found in LWW maps and registers, at any depth in OR-Maps, and nowhere else', () => {
    const alice = clockAt('alice', 1_000);
    const bob = clockAt('bob', 5_000);
    const map = LWWMap.empty();
    LWWMap.joinInto(map, LWWMap.set(map, 'alice', 'a', 1, alice));
    LWWMap.joinInto(map, LWWMap.set(map, 'bob', 'b', 2, bob));
    expect([...timestampsIn(LWWMap, map)].map((t) => t.replica).sort()).toEqual(['alice', 'bob']);
    expect(latestTimestamp(LWWMap, map)).toMatchObject({ wall: 5_000, replica: 'bob' });

    const Nested = ORMap.of(ORMap.of(LWWRegister));
    const nested = Nested.empty();
    Nested.joinInto(
      nested,
      Nested.update(nested, 'alice', 'doc', (inner) =>
        ORMap.of(LWWRegister).update(inner, 'alice', 'title', (r) => LWWRegister.set(r, 'alice', 'x', alice)),
      ),
    );
    Nested.joinInto(
      nested,
      Nested.update(nested, 'bob', 'doc', (inner) =>
        ORMap.of(LWWRegister).update(inner, 'bob', 'body', (r) => LWWRegister.set(r, 'bob', 'y', bob)),
      ),
    );
    expect(latestTimestamp(Nested, nested)).toMatchObject({ wall: 5_000, replica: 'bob' });
    expect([...timestampsIn(Nested, nested)]).toHaveLength(2);

    const Counters = ORMap.of(PNCounter);
    const counters = Counters.empty();
    Counters.joinInto(
      counters,
      Counters.update(counters, 'a', 'k', (c) => PNCounter.increment(c, 'a', 1)),
    );
    expect(latestTimestamp(Counters, counters)).toBeUndefined();
    expect(latestTimestamp(ORSet, ORSet.add(ORSet.empty(), 'a', 1))).toBeUndefined();
  });

  it('admitTimestamps moves the clock past a remote write, so the next local write wins', () => {
    const ahead = clockAt('ahead', 50_000);
    const remote = LWWMap.set(LWWMap.empty(), 'ahead', 'k', 'theirs', ahead);
    const behind = clockAt('behind', 20_000);
    const mine = LWWMap.empty();
    admitTimestamps(LWWMap, remote, behind);
    LWWMap.joinInto(mine, remote);
    LWWMap.joinInto(mine, LWWMap.set(mine, 'behind', 'k', 'mine', behind));
    expect(LWWMap.value(mine).get('k')).toBe('mine');
  });

  it('admitTimestamps refuses a timestamp too far ahead and leaves the clock alone', () => {
    const future = clockAt('future', 10 * 60_000);
    const remote = LWWMap.set(LWWMap.empty(), 'future', 'k', 1, future);
    const local = clockAt('local', 0);
    const before = local.now();
    expect(() => admitTimestamps(LWWMap, remote, local)).toThrow(ValidationError);
    expect(local.now().wall).toBe(before.wall);
  });

  it('ORMapReplica refuses nested LWW timestamps too far ahead, and adopts the others', () => {
    const Prefs = ORMap.of(LWWMap);
    const local = new ORMapReplica(Prefs, 'local', { clock: clockAt('local', 1_000) });
    const farAhead = clockAt('remote', 10 * 60_000);
    const bad = Prefs.update(Prefs.empty(), 'remote', 'ui', (m) =>
      LWWMap.set(m, 'remote', 'theme', 'x', farAhead),
    );
    expect(() => local.merge(bad)).toThrow(ValidationError);
    expect(local.value.size).toBe(0);
    const near = clockAt('remote', 30_000);
    const good = Prefs.update(Prefs.empty(), 'remote', 'ui', (m) =>
      LWWMap.set(m, 'remote', 'theme', 'y', near),
    );
    expect(local.merge(good)).toBe(true);
    expect(local.clock.now().wall).toBeGreaterThanOrEqual(30_000);
  });
});
