import { ORSet, PNCounter } from '@nlbd/crdts';
import { BroadcastChannelTransport } from '@nlbd/net';
import { type PeerEvent, Random, SyncNode, syncCodec } from '@nlbd/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from './support.js';

const open: { close(): void }[] = [];
afterEach(() => {
  for (const x of open.splice(0)) x.close();
});

function transport(channel: string, self: string, heartbeatMs = 1000) {
  const t = new BroadcastChannelTransport(channel, { self, heartbeatMs });
  open.push(t);
  return t;
}

describe('BroadcastChannelTransport', () => {
  it('lets SyncNodes in one process converge (random ops, seeded)', async () => {
    const seed = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`broadcast-channel seed: ${seed} (replay with FC_SEED=${seed})`);
    const random = new Random(seed);
    const names = ['n0', 'n1', 'n2', 'n3'];
    const counters = names.map(
      (name) =>
        new SyncNode({
          crdt: PNCounter,
          transport: transport('bc-counter', name),
          codec: syncCodec(PNCounter),
        }),
    );
    const sets = names.map(
      (name) => new SyncNode({ crdt: ORSet, transport: transport('bc-set', name), codec: syncCodec(ORSet) }),
    );
    await until(() => counters.every((n) => n.transport.peers().length === 3), 'discovery');
    let total = 0;
    for (let step = 0; step < 200; step++) {
      const i = random.int(names.length);
      const name = names[i] as string;
      const n = random.int(5) + 1;
      total += n;
      counters[i]?.update((s) => PNCounter.increment(s, name, n));
      const element = random.int(20);
      sets[i]?.update((s) => (random.chance(0.3) ? ORSet.remove(s, element) : ORSet.add(s, name, element)));
      if (step % 10 === 0) {
        for (const node of [...counters, ...sets]) node.tick();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    await until(() => {
      for (const node of [...counters, ...sets]) node.tick();
      return (
        counters.every((c) => c.value === total) && sets.every((s) => ORSet.equals(s.state, sets[0]!.state))
      );
    }, 'convergence');
    expect(counters.map((c) => c.value)).toEqual([total, total, total, total]);
  });

  it('addresses messages to one peer, says bye on close, and drops peers that fall silent', async () => {
    const a = transport('bc-peers', 'a', 20);
    const b = transport('bc-peers', 'b', 20);
    const c = transport('bc-peers', 'c', 20);
    const got: string[] = [];
    b.onMessage((from, bytes) => got.push(`b<-${from}:${bytes[0]}`));
    c.onMessage((from, bytes) => got.push(`c<-${from}:${bytes[0]}`));
    const events: PeerEvent[] = [];
    a.onPeer((e) => events.push(e));
    await until(() => a.peers().length === 2 && b.peers().length === 2, 'discovery');
    a.send('b', new Uint8Array([7]));
    a.send('nobody', new Uint8Array([9]));
    await until(() => got.length === 1, 'one delivery');
    expect(got).toEqual(['b<-a:7']);

    c.close();
    await until(() => !a.peers().includes('c'), 'the bye');
    expect(events.at(-1)).toEqual({ type: 'leave', peer: 'c' });

    // Something else on the channel is ignored; a peer that vanishes without a bye times out.
    const stray = new BroadcastChannel('bc-peers');
    stray.postMessage({ hello: 'world' });
    stray.postMessage({ nlbd: 'hello', from: 'ghost' });
    await until(() => a.peers().includes('ghost'), 'the ghost');
    stray.close();
    await until(() => !a.peers().includes('ghost'), 'the ghost to time out');
    expect(a.peers()).toEqual(['b']);
  });
});
