import { ValidationError } from '@nlbd/core';
import { GCounter, type GCounterState } from '@nlbd/crdts';
import { type PeerId, SyncNode, syncCodec, type Transport } from '@nlbd/sync';
import { describe, expect, it } from 'vitest';

const codec = syncCodec(GCounter);

/** A transport with fixed peers that records what is sent, decoded. */
function recorder(peers: PeerId[]) {
  const sent: { to: PeerId; kind: string; seq?: number }[] = [];
  const transport: Transport = {
    self: 'server',
    peers: () => peers,
    send(to, bytes) {
      const m = codec.decode(bytes);
      sent.push({ to, kind: m.kind, ...('seq' in m ? { seq: m.seq } : {}) });
    },
    onMessage: () => () => {},
    onPeer: () => () => {},
  };
  return { transport, sent, acks: () => sent.filter((m) => m.kind === 'ack') };
}

/** A persist function whose appends resolve or fail when the test says. */
function manualStore() {
  const calls: { delta: GCounterState; origin: string; resolve: () => void; reject: (e: Error) => void }[] =
    [];
  const persist = (delta: GCounterState, origin: string) =>
    new Promise<void>((resolve, reject) => calls.push({ delta, origin, resolve, reject }));
  return { calls, persist };
}

const delta = (seq: number, replica: string, n: number) =>
  codec.encode({ kind: 'delta', seq, delta: new Map([[replica, n]]) }).bytes;

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('SyncNode persist (acknowledged means durable)', () => {
  it('acks a delta only after its persist resolved, and persists local updates too', async () => {
    const { transport, acks } = recorder(['b']);
    const store = manualStore();
    const node = new SyncNode({ crdt: GCounter, transport, codec, persist: store.persist });
    node.receive('b', delta(1, 'b', 3));
    expect(store.calls.map((c) => [c.origin, [...c.delta]])).toEqual([['b', [['b', 3]]]]);
    await settle();
    expect(acks()).toEqual([]);
    store.calls[0]?.resolve();
    await settle();
    expect(acks()).toEqual([{ to: 'b', kind: 'ack', seq: 1 }]);
    node.update((s) => GCounter.increment(s, 'server', 2));
    expect(store.calls[1]?.origin).toBe('local');
  });

  it('holds the ack of a redundant retransmission until the first copy is durable', async () => {
    const { transport, acks } = recorder(['b', 'c']);
    const store = manualStore();
    const node = new SyncNode({ crdt: GCounter, transport, codec, persist: store.persist });
    node.receive('b', delta(1, 'b', 3));
    node.receive('c', delta(7, 'b', 3)); // the same data by another path: nothing new to persist
    expect(store.calls).toHaveLength(1);
    await settle();
    expect(acks()).toEqual([]);
    store.calls[0]?.resolve();
    await settle();
    expect(acks()).toEqual([
      { to: 'b', kind: 'ack', seq: 1 },
      { to: 'c', kind: 'ack', seq: 7 },
    ]);
  });

  it('never acks again once a persist failed, without an unhandled rejection', async () => {
    const { transport, acks } = recorder(['b']);
    const store = manualStore();
    const node = new SyncNode({ crdt: GCounter, transport, codec, persist: store.persist });
    node.receive('b', delta(1, 'b', 1));
    store.calls[0]?.reject(new Error('disk full'));
    node.receive('b', delta(2, 'b', 2));
    store.calls[1]?.resolve();
    await settle();
    expect(acks()).toEqual([]);
    expect(GCounter.value(node.state)).toBe(2);
  });

  it('acks at once without persist, and treats a persist that throws like one that rejects', async () => {
    const plain = recorder(['b']);
    new SyncNode({ crdt: GCounter, transport: plain.transport, codec }).receive('b', delta(1, 'b', 1));
    expect(plain.acks()).toHaveLength(1);
    const broken = recorder(['b']);
    const node = new SyncNode({
      crdt: GCounter,
      transport: broken.transport,
      codec,
      persist: () => {
        throw new Error('no store');
      },
    });
    node.receive('b', delta(1, 'b', 1));
    await settle();
    expect(broken.acks()).toEqual([]);
  });
});

describe('SyncNode shipDeltas(to)', () => {
  it('ships only to the peers given, and keeps deltas until every neighbour acked them', () => {
    const { transport, sent } = recorder(['b', 'c']);
    const node = new SyncNode({ crdt: GCounter, transport, codec });
    node.shipDeltas(); // meets b and c
    node.update((s) => GCounter.increment(s, 'server', 1));
    sent.length = 0;
    node.shipDeltas(['b']);
    expect(sent.filter((m) => m.kind === 'delta')).toEqual([{ to: 'b', kind: 'delta', seq: 1 }]);
    node.receiveMessage('b', { kind: 'ack', seq: 1 });
    expect(node.bufferedDeltas).toBe(1); // c has not acked
    node.shipDeltas(['c']);
    node.receiveMessage('c', { kind: 'ack', seq: 1 });
    expect(node.bufferedDeltas).toBe(0);
  });
});

describe('SyncNode sequence, acknowledged and receiveMessage', () => {
  it('reports the latest sequence number and what each peer acked', () => {
    const { transport } = recorder(['b']);
    const node = new SyncNode({ crdt: GCounter, transport, codec });
    expect([node.sequence, node.acknowledged('b')]).toEqual([0, 0]);
    node.update((s) => GCounter.increment(s, 'server', 1));
    node.update((s) => GCounter.increment(s, 'server', 1));
    expect(node.sequence).toBe(2);
    node.receiveMessage('b', { kind: 'ack', seq: 1 });
    expect(node.acknowledged('b')).toBe(1);
    expect(node.acknowledged('nobody')).toBe(0);
  });

  it('rethrows a refused message as its NlbdError and counts it, leaving the state alone', () => {
    const { transport } = recorder(['b']);
    // A type whose join refuses one replica, as a type may refuse a well-formed but bad state.
    const Picky = {
      ...GCounter,
      joinInto(target: GCounterState, source: GCounterState): boolean {
        if (source.has('evil')) throw new ValidationError('evil is refused', 'delta');
        return GCounter.joinInto(target, source);
      },
    };
    const node = new SyncNode({ crdt: Picky, transport, codec });
    node.receiveMessage('b', { kind: 'since', delta: new Map([['b', 1]]) });
    const before = GCounter.clone(node.state);
    expect(() => node.receiveMessage('b', { kind: 'since', delta: new Map([['evil', 1]]) })).toThrow(
      ValidationError,
    );
    node.receive('b', codec.encode({ kind: 'since', delta: new Map([['evil', 1]]) }).bytes);
    expect([node.stats.malformed, node.stats.messagesReceived]).toEqual([2, 3]);
    expect(GCounter.equals(node.state, before)).toBe(true);
  });
});
