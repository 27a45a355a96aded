import { HybridLogicalClock } from '@nlbd/core';
import { admitTimestamps, LWWMap, type LWWMapState, ORSet, type ORSetState } from '@nlbd/crdts';
import { type PeerEvent, type PeerId, SyncNode, syncCodec, type Transport } from '@nlbd/sync';
import { describe, expect, it } from 'vitest';

/** An in-memory hub: `send` queues; `flush` delivers in order (or lets a filter drop messages). */
class Hub {
  readonly queue: { from: PeerId; to: PeerId; bytes: Uint8Array }[] = [];
  readonly ends = new Map<PeerId, HubEnd>();
  connect(id: PeerId): HubEnd {
    const end = new HubEnd(id, this);
    for (const other of this.ends.values()) other.emitPeer({ type: 'join', peer: id });
    this.ends.set(id, end);
    return end;
  }
  flush(keep: (m: { from: PeerId; to: PeerId; bytes: Uint8Array }) => boolean = () => true): number {
    let n = 0;
    while (this.queue.length > 0) {
      const m = this.queue.shift() as (typeof this.queue)[number];
      if (!keep(m)) continue;
      n++;
      this.ends.get(m.to)?.emitMessage(m.from, m.bytes);
    }
    return n;
  }
}

class HubEnd implements Transport {
  readonly #onMessage = new Set<(from: PeerId, bytes: Uint8Array) => void>();
  readonly #onPeer = new Set<(e: PeerEvent) => void>();
  constructor(
    readonly self: PeerId,
    readonly hub: Hub,
  ) {}
  peers(): PeerId[] {
    return [...this.hub.ends.keys()].filter((p) => p !== this.self);
  }
  send(peer: PeerId, bytes: Uint8Array): void {
    this.hub.queue.push({ from: this.self, to: peer, bytes });
  }
  onMessage(h: (from: PeerId, bytes: Uint8Array) => void): () => void {
    this.#onMessage.add(h);
    return () => this.#onMessage.delete(h);
  }
  onPeer(h: (e: PeerEvent) => void): () => void {
    this.#onPeer.add(h);
    return () => this.#onPeer.delete(h);
  }
  emitMessage(from: PeerId, bytes: Uint8Array): void {
    for (const h of this.#onMessage) h(from, bytes);
  }
  emitPeer(e: PeerEvent): void {
    for (const h of this.#onPeer) h(e);
  }
}

function lwwNodes(names: string[], protocols = { delta: true, digest: false }) {
  const hub = new Hub();
  const nodes = names.map(
    (name) =>
      new SyncNode({ crdt: LWWMap, transport: hub.connect(name), codec: syncCodec(LWWMap), protocols }),
  );
  const clocks = names.map((name) => new HybridLogicalClock(name));
  return { hub, nodes, clocks };
}

describe('SyncNode', () => {
  it('ships delta intervals, acks them, and empties its buffer once every neighbour acked', () => {
    const { hub, nodes, clocks } = lwwNodes(['a', 'b', 'c']);
    const [a, b, c] = nodes as [
      SyncNode<LWWMapState, unknown>,
      SyncNode<LWWMapState, unknown>,
      SyncNode<LWWMapState, unknown>,
    ];
    hub.flush();
    a.update((s) => LWWMap.set(s, 'a', 'x', 1, clocks[0] as HybridLogicalClock));
    a.update((s) => LWWMap.set(s, 'a', 'y', 2, clocks[0] as HybridLogicalClock));
    expect(a.bufferedDeltas).toBe(2);
    a.tick();
    hub.flush();
    expect(LWWMap.equals(b.state, a.state)).toBe(true);
    expect(LWWMap.equals(c.state, a.state)).toBe(true);
    expect(a.bufferedDeltas).toBe(0);
    expect(a.stats.sentByKind.delta).toBe(2);
  });

  it('restore joins a stored state without a delta of its own; a met neighbour gets what it lacks by digest', () => {
    const { hub, nodes, clocks } = lwwNodes(['a', 'b']);
    const [a, b] = nodes as [SyncNode<LWWMapState, unknown>, SyncNode<LWWMapState, unknown>];
    const clock = clocks[0] as HybridLogicalClock;
    a.update((s) => LWWMap.set(s, 'a', 'shared', 1, clock));
    a.tick();
    hub.flush();
    expect(LWWMap.get(b.state, 'shared')).toBe(1);
    // What `a` had stored: the shared key and 50 it had written before a restart.
    let stored = LWWMap.clone(a.state);
    for (let i = 0; i < 50; i++) stored = LWWMap.join(stored, LWWMap.set(stored, 'a', `k${i}`, i, clock));
    a.close(); // the process ends; a new node on the same transport restores it
    const changes: string[] = [];
    const restored = new SyncNode({
      crdt: LWWMap,
      transport: hub.ends.get('a') as HubEnd,
      codec: syncCodec(LWWMap),
      protocols: { delta: true, digest: false },
      onChange: (origin) => changes.push(origin),
    });
    // It meets b at once (before its storage has loaded), and the two level: b has nothing new.
    restored.tick();
    hub.flush();
    expect(LWWMap.size(restored.state)).toBe(1);
    const before = [restored.sequence, restored.bufferedDeltas];
    expect(restored.restore(stored)).toBe(true);
    expect(restored.restore(stored)).toBe(false); // nothing new the second time
    expect(changes).toEqual(['b', 'local']);
    expect([restored.sequence, restored.bufferedDeltas]).toEqual(before); // no delta of its own
    const kinds: string[] = [];
    const codec = syncCodec(LWWMap);
    for (let round = 0; round < 3; round++) {
      restored.tick();
      hub.flush((m) => {
        kinds.push(`${m.from}:${codec.decode(m.bytes).kind}`);
        return true;
      });
    }
    expect(LWWMap.equals(b.state, restored.state)).toBe(true);
    expect(kinds).toContain('a:since');
    expect(kinds.filter((k) => k === 'a:delta' || k === 'a:state')).toEqual([]);
  });

  it('never sends a delta back to the peer it came from', () => {
    const { hub, nodes, clocks } = lwwNodes(['a', 'b']);
    const [a, b] = nodes as [SyncNode<LWWMapState, unknown>, SyncNode<LWWMapState, unknown>];
    hub.flush();
    a.update((s) => LWWMap.set(s, 'a', 'x', 1, clocks[0] as HybridLogicalClock));
    a.tick();
    hub.flush();
    expect(b.bufferedDeltas).toBe(1);
    b.tick();
    hub.flush();
    expect(b.stats.sentByKind.delta).toBe(0);
    expect(b.bufferedDeltas).toBe(0);
  });

  it('retransmits unacked intervals after losses and still converges', () => {
    const { hub, nodes, clocks } = lwwNodes(['a', 'b']);
    const [a, b] = nodes as [SyncNode<LWWMapState, unknown>, SyncNode<LWWMapState, unknown>];
    hub.flush();
    a.update((s) => LWWMap.set(s, 'a', 'x', 1, clocks[0] as HybridLogicalClock));
    a.tick();
    hub.flush(() => false); // everything lost
    expect(LWWMap.size(b.state)).toBe(0);
    a.tick();
    hub.flush();
    expect(LWWMap.get(b.state, 'x')).toBe(1);
  });

  it('brings a late joiner up to date by digest, removals included', () => {
    const hub = new Hub();
    const codec = syncCodec(ORSet);
    const a = new SyncNode({ crdt: ORSet, transport: hub.connect('a'), codec });
    a.update((s) => ORSet.add(s, 'a', 'x'));
    a.update((s) => ORSet.add(s, 'a', 'y'));
    const stale = ORSet.clone(a.state);
    a.update((s) => ORSet.remove(s, 'x'));
    // b starts from an old copy that still holds x: only a digest exchange can tell it x is gone.
    const b = new SyncNode({ crdt: ORSet, transport: hub.connect('b'), codec, state: stale });
    for (let i = 0; i < 3; i++) {
      a.tick();
      b.tick();
      hub.flush();
    }
    expect([...ORSet.value(b.state)]).toEqual(['y']);
    expect(ORSet.equals(a.state, b.state)).toBe(true);
  });

  it('counts and drops malformed messages without touching the state', () => {
    const { hub, nodes, clocks } = lwwNodes(['a', 'b']);
    const [a] = nodes as [SyncNode<LWWMapState, unknown>];
    hub.flush();
    a.update((s) => LWWMap.set(s, 'a', 'x', 1, clocks[0] as HybridLogicalClock));
    const before = LWWMap.clone(a.state);
    for (const garbage of [
      new Uint8Array(),
      new Uint8Array([0xff, 0x00, 0x13]),
      new TextEncoder().encode('hello'),
    ]) {
      a.receive('b', garbage);
    }
    expect(a.stats.malformed).toBe(3);
    expect(LWWMap.equals(a.state, before)).toBe(true);
  });

  it('vets remote deltas with admit: a refused one is counted as malformed and changes nothing', () => {
    const hub = new Hub();
    const skewed = new HybridLogicalClock('b', { now: () => Date.now() + 3_600_000 });
    const local = new HybridLogicalClock('a');
    const a = new SyncNode({
      crdt: LWWMap,
      transport: hub.connect('a'),
      codec: syncCodec(LWWMap),
      admit: (incoming) => admitTimestamps(LWWMap, incoming, local),
    });
    const b = new SyncNode({ crdt: LWWMap, transport: hub.connect('b'), codec: syncCodec(LWWMap) });
    hub.flush();
    b.update((s) => LWWMap.set(s, 'b', 'k', 'from the future', skewed));
    b.tick();
    hub.flush();
    expect(a.stats.malformed).toBeGreaterThan(0);
    expect(LWWMap.value(a.state).size).toBe(0);
  });

  it('keeps its buffer bounded: past the limit, lagging neighbours are caught up by digest', () => {
    const hub = new Hub();
    const codec = syncCodec(ORSet);
    const a = new SyncNode<ORSetState, Set<unknown>>({
      crdt: ORSet,
      transport: hub.connect('a'),
      codec,
      maxBufferedDeltas: 4,
    });
    const b = new SyncNode({ crdt: ORSet, transport: hub.connect('b'), codec });
    hub.flush();
    for (let i = 0; i < 10; i++) a.update((s) => ORSet.add(s, 'a', i));
    expect(a.bufferedDeltas).toBe(4);
    for (let i = 0; i < 3; i++) {
      a.tick();
      b.tick();
      hub.flush();
    }
    expect(ORSet.size(b.state)).toBe(10);
  });
});
