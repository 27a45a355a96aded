import {
  DotContext,
  HybridLogicalClock,
  OverflowError,
  type ReplicaId,
  ValidationError,
  VersionVector,
} from '@nlbd/core';
import {
  type ChangeEvent,
  GCounterReplica,
  GSetReplica,
  type Key,
  KeyMap,
  type LWWEntry,
  LWWMap,
  LWWMapReplica,
  type LWWMapState,
  LWWRegisterReplica,
  ORMap,
  ORMapReplica,
  ORSet,
  ORSetReplica,
  PNCounter,
  PNCounterReplica,
} from '@nlbd/crdts';
import { describe, expect, it } from 'vitest';
import { snapshot } from './support/snapshot.ts';

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
const NOW = 1_700_000_000_000;
const fixedClock = (id: ReplicaId) => new HybridLogicalClock(id, { now: () => NOW });

/** Whether any of the usual pollution probes reached `Object.prototype`. */
function polluted(): boolean {
  const probe = {} as Record<string, unknown>;
  return (
    probe.polluted !== undefined || probe.hacked !== undefined || Object.keys(Object.prototype).length > 0
  );
}

describe('prototype names are ordinary keys', () => {
  it('LWWMap keys round-trip exactly, in a Map, through merge', () => {
    const a = new LWWMapReplica('a', { clock: fixedClock('a') });
    for (const k of PROTO_KEYS) a.set(k, { polluted: true });
    a.set('x', JSON.parse('{"__proto__": {"hacked": 1}}'));
    const b = new LWWMapReplica('b', { clock: fixedClock('b') });
    b.merge(LWWMap.clone(a.state));
    for (const r of [a, b]) {
      expect(r.value).toBeInstanceOf(Map);
      expect([...r.value.keys()].sort()).toEqual(['__proto__', 'constructor', 'prototype', 'x']);
      expect(r.get('__proto__')).toEqual({ polluted: true });
    }
    b.delete('constructor');
    a.merge(b.takeDelta() as LWWMapState);
    expect(a.has('constructor')).toBe(false);
    expect(polluted()).toBe(false);
  });

  it('ORSet elements and ORMap keys round-trip exactly', () => {
    const s = new ORSetReplica('a');
    for (const k of PROTO_KEYS) s.add(k);
    s.remove('constructor');
    expect(s.value).toEqual(new Set(['__proto__', 'prototype']));
    const m = new ORMapReplica(ORMap.of(ORSet), 'a');
    for (const k of PROTO_KEYS) m.update(k, (set, id) => ORSet.add(set, id, 'polluted'));
    const copy = new ORMapReplica(ORMap.of(ORSet), 'b');
    copy.merge(m.state);
    expect(copy.value).toBeInstanceOf(Map);
    expect([...copy.value.keys()].sort()).toEqual([...PROTO_KEYS].sort());
    expect(copy.value.get('__proto__')).toEqual(new Set(['polluted']));
    expect(polluted()).toBe(false);
  });
});

/** A remote LWW state holding one write with the given timestamp fields. */
function remoteWrite(fields: Partial<LWWEntry>): LWWMapState {
  const entry: LWWEntry = {
    value: 'evil',
    deleted: false,
    wall: NOW,
    counter: 0,
    replica: 'm',
    seq: 1,
    ...fields,
  };
  return { entries: new KeyMap([[0, entry]]), context: DotContext.from(new Map([['m', 1]])) };
}

describe('remote timestamps are validated before a merge', () => {
  const bad: [string, Partial<LWWEntry>][] = [
    ['NaN wall', { wall: Number.NaN }],
    ['infinite wall', { wall: Number.POSITIVE_INFINITY }],
    ['negative wall', { wall: -1 }],
    ['fractional wall', { wall: NOW + 0.5 }],
    ['far-future wall', { wall: NOW + 24 * 3600_000 }],
    ['NaN counter', { counter: Number.NaN }],
    ['negative counter', { counter: -3 }],
    ['empty replica', { replica: '' }],
  ];
  it.each(bad)('%s is refused by LWWMapReplica and LWWRegisterReplica, state unchanged', (_, fields) => {
    const map = new LWWMapReplica('a', { clock: fixedClock('a') });
    map.set(0, 'mine');
    const reg = new LWWRegisterReplica('a', { clock: fixedClock('a') });
    reg.set('mine');
    for (const r of [map, reg] as const) {
      const before = snapshot(r.state);
      const clockBefore = r.clock.last;
      expect(() => r.merge(remoteWrite(fields))).toThrow(ValidationError);
      expect(snapshot(r.state)).toEqual(before);
      expect(r.clock.last).toEqual(clockBefore);
    }
    expect(map.get(0)).toBe('mine');
    expect(reg.value).toBe('mine');
  });

  it('a valid remote write within the skew limit is accepted and moves the clock', () => {
    const r = new LWWRegisterReplica('a', { clock: fixedClock('a') });
    expect(r.merge(remoteWrite({ wall: NOW + 1_000 }))).toBe(true);
    expect(r.value).toBe('evil');
    expect(r.clock.last.wall).toBe(NOW + 1_000);
  });
});

describe('bad keys are refused with ValidationError', () => {
  const badKeys: [string, unknown][] = [
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a lone high surrogate', 'a\ud800'],
    ['a lone low surrogate', '\udc00x'],
    ['an object', { k: 1 }],
    ['an array', [1]],
    ['null', null],
    ['undefined', undefined],
    ['a bigint', 1n],
    ['a symbol', Symbol('k')],
  ];
  it.each(badKeys)('%s', (_, key) => {
    const k = key as Key;
    const map = new LWWMapReplica('a', { clock: fixedClock('a') });
    const set = new ORSetReplica('a');
    const gset = new GSetReplica('a');
    const omap = new ORMapReplica(ORMap.of(PNCounter), 'a');
    const attempts: [{ state: unknown }, () => unknown][] = [
      [map, () => map.set(k, 1)],
      [map, () => map.delete(k)],
      [set, () => set.add(k)],
      [set, () => set.remove(k)],
      [gset, () => gset.add(k)],
      [omap, () => omap.update(k, (c, id) => PNCounter.increment(c, id))],
      [omap, () => omap.remove(k)],
    ];
    for (const [replica, attempt] of attempts) {
      const before = snapshot(replica.state);
      expect(attempt).toThrow(ValidationError);
      expect(snapshot(replica.state)).toEqual(before);
    }
  });
});

describe('counters near Number.MAX_SAFE_INTEGER', () => {
  const MAX = Number.MAX_SAFE_INTEGER;

  it('GCounter refuses to pass it and keeps its state', () => {
    const c = new GCounterReplica('a');
    c.increment(MAX - 1);
    const before = structuredClone(c.state);
    expect(() => c.increment(2)).toThrow(OverflowError);
    expect(c.state).toEqual(before);
    c.increment(1);
    expect(c.value).toBe(MAX);
    expect(() => c.increment(1)).toThrow(OverflowError);
    expect(c.takeDelta()?.get('a')).toBe(MAX);
  });

  it('PNCounter refuses both ways and keeps its state', () => {
    const c = new PNCounterReplica('a');
    c.increment(MAX);
    expect(() => c.increment(1)).toThrow(OverflowError);
    const d = new PNCounterReplica('b');
    d.decrement(MAX);
    expect(() => d.decrement(1)).toThrow(OverflowError);
    expect(d.value).toBe(-MAX);
    const before = structuredClone(c.state);
    expect(() => c.decrement(1)).toThrow(OverflowError); // a's lifetime total would pass MAX
    expect(c.state).toEqual(before);
  });

  it('reading a merged sum past the range is an OverflowError, never a rounded number', () => {
    const a = new GCounterReplica('a');
    const b = new GCounterReplica('b');
    a.increment(MAX);
    b.increment(1);
    a.merge(b.state);
    expect(() => a.value).toThrow(OverflowError);
  });

  it('refuses unsafe or negative amounts with ValidationError', () => {
    const c = new PNCounterReplica('a');
    for (const n of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, MAX + 1]) {
      expect(() => c.increment(n)).toThrow(ValidationError);
    }
    expect(c.state.size).toBe(0);
    expect(PNCounter.value(c.state)).toBe(0);
  });
});

describe('byte-array keys', () => {
  const bytes = () => new Uint8Array([0, 255, 16]);

  it('come back as equal, fresh Uint8Arrays, distinct from look-alike strings', () => {
    const m = new LWWMapReplica('a', { clock: fixedClock('a') });
    m.set(bytes(), 'bytes');
    m.set('\u0000\u00ff\u0010', 'string');
    m.set('00ff10', 'hex');
    expect(m.get(bytes())).toBe('bytes');
    const keys = [...m.value.keys()];
    expect(keys).toHaveLength(3);
    const out = keys.find((k) => k instanceof Uint8Array) as Uint8Array;
    expect(out).toEqual(bytes());
    out[0] = 9;
    expect(m.get(bytes())).toBe('bytes');
    const s = new ORSetReplica('a');
    s.add(bytes());
    s.add(new Uint8Array());
    expect(s.has(new Uint8Array([0, 255, 16]))).toBe(true);
    expect([...s.value]).toEqual(expect.arrayContaining([bytes(), new Uint8Array()]));
    s.remove(bytes());
    expect(s.value).toEqual(new Set([new Uint8Array()]));
  });
});

describe('onChange', () => {
  function record<S>(replica: { onChange(f: (e: ChangeEvent<S>) => void): () => void }) {
    const events: { origin: string; keys?: readonly Key[] }[] = [];
    const stop = replica.onChange((e) =>
      events.push({ origin: e.origin, ...(e.keys ? { keys: e.keys } : {}) }),
    );
    return { events, stop };
  }

  it('ORSet reports local and remote adds and removals, and nothing for a no-op', () => {
    const a = new ORSetReplica('a');
    const b = new ORSetReplica('b');
    for (let i = 0; i < 10; i++) a.add(i); // enough elements for removals to use the dot index
    b.merge(a.state);
    const seen = record(b);
    a.add('x');
    b.merge(a.takeDelta() as never);
    b.remove(3);
    const removal = a.remove(5);
    b.merge(removal);
    expect(b.merge(removal)).toBe(false);
    expect(seen.events).toEqual([
      { origin: 'remote', keys: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 'x'] },
      { origin: 'local', keys: [3] },
      { origin: 'remote', keys: [5] },
    ]);
    seen.stop();
    b.add('y');
    expect(seen.events).toHaveLength(3);
  });

  it('LWWMap reports remote sets and deletes; a losing remote write changes no key', () => {
    let t = NOW;
    const clock = (id: string) => new HybridLogicalClock(id, { now: () => t });
    const a = new LWWMapReplica('a', { clock: clock('a') });
    const b = new LWWMapReplica('b', { clock: clock('b') });
    const seen = record(b);
    b.merge(a.set('k', 1));
    t += 10;
    b.merge(a.delete('k'));
    const stale = new LWWMapReplica('c', { clock: new HybridLogicalClock('c', { now: () => NOW - 5 }) });
    b.merge(stale.set('k', 'old'));
    expect(b.has('k')).toBe(false);
    expect(seen.events).toEqual([
      { origin: 'remote', keys: ['k'] },
      { origin: 'remote', keys: ['k'] },
      { origin: 'remote', keys: [] },
    ]);
  });

  it('ORMap reports a remote key removal', () => {
    const type = ORMap.of(ORSet);
    const a = new ORMapReplica(type, 'a');
    const b = new ORMapReplica(type, 'b');
    a.update('list', (s, id) => ORSet.add(s, id, 'milk'));
    b.merge(a.state);
    const seen = record(b);
    b.merge(a.remove('list'));
    expect(b.has('list')).toBe(false);
    expect(seen.events).toEqual([{ origin: 'remote', keys: ['list'] }]);
  });
});

describe('takeDelta', () => {
  it('is the join of local deltas since the last take, excludes merges, then resets', () => {
    const a = new ORSetReplica('a');
    const b = new ORSetReplica('b');
    expect(a.takeDelta()).toBeUndefined();
    b.add('from-b');
    a.merge(b.state);
    a.add('x');
    a.add('y');
    a.remove('x');
    const d = a.takeDelta();
    expect(d).toBeDefined();
    expect(ORSet.value(d as never)).toEqual(new Set(['y']));
    expect(a.takeDelta()).toBeUndefined();
    const c = new ORSetReplica('c');
    c.add('x');
    c.merge(d as never); // carries the removal of a's 'x' only: c's concurrent add survives
    expect(c.value).toEqual(new Set(['x', 'y']));
    expect(c.has('from-b')).toBe(false);
  });

  it('a taken delta is not aliased to the state', () => {
    const a = new PNCounterReplica('a');
    a.increment(2);
    const d = a.takeDelta() as never;
    a.increment(3);
    expect(PNCounter.value(d)).toBe(2);
  });
});

describe('LWWMap.compact', () => {
  it('drops causally stable tombstones; older states that saw the delete bring nothing back', () => {
    let t = NOW;
    const clock = (id: string) => new HybridLogicalClock(id, { now: () => t });
    const a = new LWWMapReplica('a', { clock: clock('a') });
    const b = new LWWMapReplica('b', { clock: clock('b') });
    a.set('k', 'v');
    a.set('keep', 1);
    b.merge(a.state);
    t += 1;
    b.delete('k');
    const bAfterDelete = LWWMap.clone(b.state);
    a.merge(b.state);
    const aAfterDelete = LWWMap.clone(a.state);

    const notYet = VersionVector.meet(VersionVector.from([['a', 2]]), VersionVector.from([['a', 2]]));
    expect(a.compact(notYet)).toBe(0); // b's delete is not in the vector: not stable yet
    const stable = VersionVector.meet(a.state.context.vv, b.state.context.vv);
    expect(a.compact(stable)).toBe(1);
    expect(b.compact(stable)).toBe(1);
    expect(a.state.entries.has('k')).toBe(false);

    for (const old of [bAfterDelete, aAfterDelete]) {
      a.merge(old);
      b.merge(old);
    }
    for (const r of [a, b]) {
      expect(r.has('k')).toBe(false);
      expect(r.value).toEqual(new Map([['keep', 1]]));
    }
  });
});
