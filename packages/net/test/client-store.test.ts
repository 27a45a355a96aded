import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from '@nlbd/codec';
import { HybridLogicalClock, ValidationError } from '@nlbd/core';
import { GCounter, LWWMap } from '@nlbd/crdts';
import { connect } from '@nlbd/net';
import { IndexedDbStorage, MemoryStorage, SqliteStorage, type StorageAdapter } from '@nlbd/store';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { crashable, Fixture, until } from './support.js';

const fixture = new Fixture();
afterEach(() => fixture.stop());
const dir = mkdtempSync(join(tmpdir(), 'nlbd-client-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A session that never connects: `n` increments of `doc`, stored, then the client closed. */
async function offlineSession(url: string, storage: StorageAdapter, doc: string, n: number): Promise<void> {
  const client = fixture.client(url, { store: storage });
  client.disconnect();
  const handle = client.open(doc, GCounter);
  await handle.restored();
  handle.update((s, { replica }) => GCounter.increment(s, replica, n));
  await handle.saved();
  client.close();
}

describe('a client with a store', () => {
  it('restores edits made offline after a restart, and then sends them to the server', async () => {
    const server = await fixture.server();
    const file = join(dir, 'offline.db');

    // Session 1: offline from the start; three increments, stored, then the process "ends".
    let storage = new SqliteStorage(file);
    const first = fixture.client(server.url, { store: storage });
    first.disconnect();
    const before = first.open('count', GCounter);
    await before.restored();
    for (let i = 0; i < 3; i++) before.update((s, { replica }) => GCounter.increment(s, replica, 1));
    await before.saved();
    first.close();
    storage.close();
    expect(server.document('count')).toBeUndefined();

    // Session 2: a new client on the same file has the edits before it syncs, then the server has them.
    storage = new SqliteStorage(file);
    const second = fixture.client(server.url, { store: storage });
    const after = second.open('count', GCounter);
    await after.restored();
    expect(after.value).toBe(3);
    after.update((s, { replica }) => GCounter.increment(s, replica, 10));
    await after.synced();
    // The new edit by its delta, the restored ones by digest: the server lacked them.
    await until(() => server.document('count')?.value === 13, 'every edit on the server');
    await after.saved();
    second.close();
    storage.close();
  });

  it('sends the server only what it lacks of a restored document, not the whole state', async () => {
    const server = await fixture.server();
    const storage = new MemoryStorage();
    const first = fixture.client(server.url, { store: storage });
    const notes = first.open('notes', LWWMap);
    for (let i = 0; i < 2000; i++)
      notes.update((s, { replica, clock }) => LWWMap.set(s, replica, `note ${i}`, 'x'.repeat(20), clock));
    await notes.synced();
    await notes.saved();
    first.close();
    const stateBytes = encode(LWWMap, notes.state).byteLength;

    // A restart with nothing new: the digest exchange shows the server has it all.
    const before = server.stats().bytesIn;
    const second = fixture.client(server.url, { store: storage });
    const again = second.open('notes', LWWMap);
    await again.restored();
    expect(again.value.size).toBe(2000);
    await until(() => again.subscribed, 'the subscription');
    await new Promise((resolve) => setTimeout(resolve, 500)); // a few levelling rounds
    const sent = server.stats().bytesIn - before;
    expect(sent).toBeLessThan(stateBytes / 20);

    // One edit made offline before the restart reaches the server, alone.
    second.close();
    const third = fixture.client(server.url, { store: storage });
    third.disconnect();
    const offline = third.open('notes', LWWMap);
    await offline.restored();
    offline.update((s, { replica, clock }) => LWWMap.set(s, replica, 'note 7', 'edited offline', clock));
    await offline.saved();
    third.close();
    const beforeLast = server.stats().bytesIn;
    const fourth = fixture.client(server.url, { store: storage }).open('notes', LWWMap);
    await fourth.restored();
    await until(
      () =>
        (server.document('notes')?.value as Map<string, unknown> | undefined)?.get('note 7') ===
        'edited offline',
      'the offline edit',
    );
    expect(server.stats().bytesIn - beforeLast).toBeLessThan(stateBytes / 20);
    expect(stateBytes).toBeGreaterThan(20_000);
  });

  it('does the same on IndexedDbStorage, the browser adapter', async () => {
    const server = await fixture.server();
    const indexedDB = new IDBFactory();
    const open = () => new IndexedDbStorage('app', { indexedDB, keyRange: IDBKeyRange });
    let storage = open();
    await offlineSession(server.url, storage, 'count', 2);
    await storage.close();

    storage = open();
    const after = fixture.client(server.url, { store: storage }).open('count', GCounter);
    await after.restored();
    expect(after.value).toBe(2);
    await until(() => server.document('count')?.value === 2, 'the restored edits on the server');
  });

  it('stores what comes from the server too', async () => {
    const server = await fixture.server();
    const writer = fixture.client(server.url).open('notes', LWWMap);
    // Written by a clock 30 s ahead (within the server's skew bound): a restored copy must
    // still lose to a write made after it, so restoring moves the clock past it.
    const ahead = (replica: string) => new HybridLogicalClock(replica, { now: () => Date.now() + 30_000 });
    writer.update((s, { replica }) => LWWMap.set(s, replica, 'title', 'from the server', ahead(replica)));
    await writer.synced();

    const storage = new MemoryStorage();
    const readerClient = fixture.client(server.url, { store: storage });
    const reader = readerClient.open('notes', LWWMap);
    await until(() => reader.value.get('title') === 'from the server', 'the server state');
    await reader.saved();
    readerClient.close();

    // Offline, on the same storage: the server's write is there, and a later write wins over it.
    const offline = fixture.client(server.url, { store: storage });
    offline.disconnect();
    const again = offline.open('notes', LWWMap);
    await again.restored();
    expect(again.value.get('title')).toBe('from the server');
    let wall = 0;
    again.update((_, { clock }) => {
      wall = clock.last.wall;
      return LWWMap.empty();
    });
    expect(wall).toBeGreaterThan(Date.now() + 20_000); // the clock moved past the restored write
    again.update((s, { replica, clock }) => LWWMap.set(s, replica, 'title', 'edited offline', clock));
    expect(again.value.get('title')).toBe('edited offline');
    offline.reconnect();
    await again.synced();
    await until(() => writer.value.get('title') === 'edited offline', 'the offline edit at the writer');
  });

  it('keeps edits made before the stored state is restored, joined with it', async () => {
    const server = await fixture.server();
    const storage = new MemoryStorage();
    await offlineSession(server.url, storage, 'count', 5);

    const two = fixture.client(server.url, { store: storage });
    two.disconnect();
    const b = two.open('count', GCounter);
    b.update((s, { replica }) => GCounter.increment(s, replica, 1)); // before the restore
    await b.restored();
    expect(b.value).toBe(6);
    await b.saved();
    // Two deltas stored, one per edit: the restored state is not stored again.
    expect((await storage.load('count')).deltas).toHaveLength(2);
    two.reconnect();
    await b.synced();
    await until(() => server.document('count')?.value === 6, 'every edit on the server');
    await b.saved();
    const stored = fixture.client(server.url, { store: storage });
    stored.disconnect();
    const c = stored.open('count', GCounter);
    await c.restored();
    expect(c.value).toBe(6);
  });

  it('rejects saved() once writing failed, and restored() when loading failed', async () => {
    const server = await fixture.server();
    const storage = crashable(new MemoryStorage());
    const client = fixture.client(server.url, { store: storage });
    client.disconnect();
    const doc = client.open('count', GCounter);
    await doc.restored();
    doc.update((s, { replica }) => GCounter.increment(s, replica, 1));
    await doc.saved();
    storage.crash();
    doc.update((s, { replica }) => GCounter.increment(s, replica, 1));
    await expect(doc.saved()).rejects.toThrow(/crashed/);
    expect(doc.value).toBe(2); // the edit itself stands
    await expect(doc.saved()).rejects.toThrow(/crashed/);
    const late = client.open('other', GCounter);
    await expect(late.restored()).rejects.toThrow(/crashed/);
  });

  it('refuses a store that is not a storage adapter', () => {
    const noRemove = { load: () => {}, append: () => {}, compact: () => {} };
    for (const store of [null, 42, {}, { load: () => {}, append: () => {} }, noRemove]) {
      expect(() => connect('ws://127.0.0.1:1/', { WebSocket, store: store as never })).toThrow(
        ValidationError,
      );
    }
  });
});
