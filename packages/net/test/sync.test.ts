import { HybridLogicalClock } from '@nlbd/core';
import { GCounter, LWWMap, ORMap, ORSet, PNCounter } from '@nlbd/crdts';
import { MemoryStorage } from '@nlbd/store';
import { afterEach, describe, expect, it } from 'vitest';
import { crashable, Fixture, storedState, until } from './support.js';

const fixture = new Fixture();
afterEach(() => fixture.stop());

const Todo = ORMap.of(ORSet);

describe('sync server and clients', () => {
  it('relays changes between clients on several documents of several types', async () => {
    const server = await fixture.server();
    const [a, b, c] = ['a', 'b', 'c'].map((replica) => fixture.client(server.url, { replica }));
    const docs = [a, b, c].map((client) => ({
      counter: client!.open('counter', PNCounter),
      set: client!.open('set', ORSet),
      map: client!.open('map', LWWMap),
      todo: client!.open('todo', Todo),
    }));
    for (const [i, d] of docs.entries()) {
      d.counter.update((s, { replica }) => PNCounter.increment(s, replica, i + 1));
      d.set.update((s, { replica }) => ORSet.add(s, replica, `x${i}`));
      d.map.update((s, { replica, clock }) => LWWMap.set(s, replica, `k${i}`, i, clock));
      d.todo.update((s, { replica }) => Todo.update(s, replica, 'list', (v) => ORSet.add(v, replica, i)));
    }
    await until(
      () => docs.every((d) => d.counter.value === 6 && d.set.value.size === 3),
      'counters and sets',
    );
    await until(
      () => docs.every((d) => d.map.value.size === 3 && d.todo.value.get('list')?.size === 3),
      'maps',
    );
    for (const d of docs) {
      expect(LWWMap.equals(d.map.state, docs[0]!.map.state)).toBe(true);
      expect(Todo.equals(d.todo.state, docs[0]!.todo.state)).toBe(true);
    }
    expect(server.document('counter')?.value).toBe(6);
    expect(server.documents().sort()).toEqual(['counter', 'map', 'set', 'todo']);
  });

  it('orders LWW writes by what each client has seen, whatever its wall clock says', async () => {
    const server = await fixture.server({ store: new MemoryStorage() });
    const a = fixture.client(server.url, { replica: 'a' });
    const b = fixture.client(server.url, { replica: 'b' });
    const ma = a.open('prefs', LWWMap);
    const mb = b.open('prefs', LWWMap);
    // a's wall clock runs 30 s fast (within the server's skew bound): its write carries that time.
    const fast = new HybridLogicalClock('a', { now: () => Date.now() + 30_000 });
    ma.update((s, { replica }) => LWWMap.set(s, replica, 'theme', 'dark', fast));
    await until(() => mb.value.get('theme') === 'dark', "a's write at b");
    // b saw a's write, so b's later write must win, although b's wall clock is 30 s behind it.
    mb.update((s, { replica, clock }) => LWWMap.set(s, replica, 'theme', 'light', clock));
    await until(() => ma.value.get('theme') === 'light', "b's later write at a");
    expect(mb.value.get('theme')).toBe('light');
  });

  it('refuses LWW writes stamped too far in the future: nobody sees them and nothing is stored', async () => {
    const store = new MemoryStorage();
    const server = await fixture.server({ store });
    const a = fixture.client(server.url, { replica: 'a' });
    const b = fixture.client(server.url, { replica: 'b' });
    const ma = a.open('prefs', LWWMap);
    const mb = b.open('prefs', LWWMap);
    const broken = new HybridLogicalClock('a', { now: () => Date.now() + 3_600_000 });
    ma.update((s, { replica }) => LWWMap.set(s, replica, 'theme', 'forever', broken));
    mb.update((s, { replica, clock }) => LWWMap.set(s, replica, 'lang', 'en', clock));
    await mb.synced();
    await until(() => ma.value.get('lang') === 'en', "b's write at a");
    expect(mb.value.has('theme')).toBe(false);
    expect(server.document('prefs')?.value).toEqual(new Map([['lang', 'en']]));
    const stored = await storedState(store, 'prefs', LWWMap);
    expect(LWWMap.value(stored).has('theme')).toBe(false);
  });

  it('queues edits made offline and syncs them on reconnection, each counted once', async () => {
    const server = await fixture.server({ store: new MemoryStorage() });
    const a = fixture.client(server.url, { replica: 'a' });
    const b = fixture.client(server.url, { replica: 'b' });
    const ca = a.open('hits', GCounter);
    const cb = b.open('hits', GCounter);
    ca.update((s, { replica }) => GCounter.increment(s, replica, 1));
    await ca.synced();
    await until(() => cb.value === 1, 'the first hit at b');

    a.disconnect();
    expect(a.status).toBe('offline');
    for (let i = 0; i < 10; i++) ca.update((s, { replica }) => GCounter.increment(s, replica, 1));
    cb.update((s, { replica }) => GCounter.increment(s, replica, 5));
    expect(ca.pending).toBe(true);
    await until(() => cb.value === 6, 'b on its own');
    expect(ca.value).toBe(11);

    a.reconnect();
    await ca.synced();
    await until(() => ca.value === 16 && cb.value === 16, 'both at 16');
    // Retransmissions and digest answers overlap after a reconnection; joins absorb them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([ca.value, cb.value, server.document('hits')?.value]).toEqual([16, 16, 16]);
  });

  it('keeps one interval in flight: a slow store gets a burst of changes in a few frames', async () => {
    const server = await fixture.server({ store: crashable(new MemoryStorage(), 200) });
    const client = fixture.client(server.url);
    const set = client.open('set', ORSet);
    await until(() => set.subscribed, 'the subscription');
    const before = server.stats().framesIn;
    for (let i = 0; i < 100; i++) {
      set.update((s, { replica }) => ORSet.add(s, replica, i));
      await new Promise((resolve) => setTimeout(resolve, 1)); // a flush between changes
    }
    await set.synced();
    // Without pacing each flush would resend the whole unacknowledged interval: 100+ frames.
    expect(server.stats().framesIn - before).toBeLessThan(50);
    expect(ORSet.size(server.document('set')?.state as ReturnType<typeof ORSet.empty>)).toBe(100);
  });

  it('acknowledges a change only once the store has it', async () => {
    const storage = new MemoryStorage();
    const server = await fixture.server({ store: crashable(storage) });
    const a = fixture.client(server.url);
    const set = a.open('set', ORSet);
    for (let i = 0; i < 20; i++) set.update((s, { replica }) => ORSet.add(s, replica, i));
    await set.synced();
    expect(set.pending).toBe(false);
    expect(ORSet.size(await storedState(storage, 'set', ORSet))).toBe(20);
  });
});
