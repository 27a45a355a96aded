import { ORSet } from '@nlbd/crdts';
import { MemoryStorage } from '@nlbd/store';
import { afterEach, describe, expect, it } from 'vitest';
import { Fixture, until } from './support.js';

const fixture = new Fixture();
afterEach(() => fixture.stop());

describe('presence', () => {
  it('relays entries to the other subscribers, expires them after their TTL, never stores them', async () => {
    const store = new MemoryStorage();
    const server = await fixture.server({ store });
    const [a, b, c] = ['a', 'b', 'c'].map(() => fixture.client(server.url));
    const [da, db, dc] = [a, b, c].map((client) => client!.open('doc', ORSet));
    await until(() => [da, db, dc].every((d) => d!.subscribed), 'subscriptions');
    let changes = 0;
    db!.presence.onChange(() => changes++);

    da!.presence.set('name', 'Ada', 60_000);
    da!.presence.set('cursor', { line: 3, ch: 14 }, 150);
    const peer = a!.peer as string;
    await until(() => db!.presence.peers.get(peer)?.size === 2, 'b sees both entries');
    expect(Object.fromEntries(db!.presence.peers.get(peer) ?? [])).toEqual({
      name: 'Ada',
      cursor: { line: 3, ch: 14 },
    });
    expect(dc!.presence.peers.get(peer)?.get('name')).toBe('Ada');
    expect(da!.presence.peers.size).toBe(0); // not echoed back
    expect([...da!.presence.mine.keys()].sort()).toEqual(['cursor', 'name']);
    expect(changes).toBeGreaterThan(0);

    // The cursor's TTL runs out everywhere: at the clients and at the server.
    await until(() => db!.presence.peers.get(peer)?.has('cursor') === false, 'the cursor to expire at b');
    await until(
      () => server.document('doc')?.presence.get(peer)?.has('cursor') === false,
      'and at the server',
    );
    expect(da!.presence.mine.has('cursor')).toBe(false);

    // A late subscriber gets the live entries; a deletion reaches everyone.
    const d = fixture.client(server.url).open('doc', ORSet);
    await until(() => d.presence.peers.get(peer)?.get('name') === 'Ada', 'the late subscriber');
    da!.presence.delete('name');
    await until(() => !db!.presence.peers.has(peer) && !d.presence.peers.has(peer), 'the deletion');

    // Entries leave with their connection.
    dc!.presence.set('name', 'Cy');
    const cPeer = c!.peer as string;
    await until(() => db!.presence.peers.get(cPeer)?.get('name') === 'Cy', 'c present');
    c!.disconnect();
    await until(() => !db!.presence.peers.has(cPeer), 'c gone');
    expect(dc!.presence.peers.size).toBe(0);

    // ... and come back, with the time they have left, when it reconnects.
    c!.reconnect();
    await until(() => [...db!.presence.peers.values()].some((m) => m.get('name') === 'Cy'), 'c back');
    expect(await store.documents()).toEqual([]);
  });

  it('refuses bad entries: keys, values that are not JSON, TTLs and counts over the limits', async () => {
    const server = await fixture.server({ limits: { maxPresenceEntries: 2, maxPresenceBytes: 64 } });
    const client = fixture.client(server.url);
    const doc = client.open('doc', ORSet);
    await until(() => doc.subscribed, 'subscription');
    const errors: string[] = [];
    doc.onError((e) => errors.push(e.code));
    expect(() => doc.presence.set('', 1)).toThrow(/must not be empty/);
    expect(() => doc.presence.set('k', Number.NaN)).toThrow(/not JSON/);
    expect(() => doc.presence.set('k', 1, 0)).toThrow(/ttlMs/);
    doc.presence.set('big', 'x'.repeat(100));
    doc.presence.set('forever', 1, 24 * 3600_000);
    doc.presence.set('one', 1);
    doc.presence.set('two', 2);
    doc.presence.set('three', 3);
    await until(() => errors.length === 3, 'three refusals');
    expect(errors.sort()).toEqual(['invalid', 'invalid', 'presence-limit']);
    expect(
      [
        ...(server
          .document('doc')
          ?.presence.get(client.peer as string)
          ?.keys() ?? []),
      ].sort(),
    ).toEqual(['one', 'two']);
  });
});
