import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@nlbd/core';
import { GCounter, type GCounterState } from '@nlbd/crdts';
import { CloseCode, decodeFrame, encodeFrame, type Frame, RemoteError, type UpdateContext } from '@nlbd/net';
import { MemoryStorage, SqliteStorage } from '@nlbd/store';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Fixture, slowRemoval, storedState, until } from './support.js';

const fixture = new Fixture();
afterEach(() => fixture.stop());
const dir = mkdtempSync(join(tmpdir(), 'nlbd-delete-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A bare WebSocket on `url`, recording the frames it gets and how it closed. */
async function raw(url: string) {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  let closed: number | undefined;
  ws.on('message', (data) => frames.push(decodeFrame(new Uint8Array(data as Buffer))));
  ws.on('close', (code) => {
    closed = code;
  });
  await new Promise((resolve) => ws.once('open', resolve));
  return { frames, send: (frame: Frame) => ws.send(encodeFrame(frame)), closed: () => closed };
}

/** An `authorize` hook whose answers (all yes) the test hands out one at a time while `hold` is set. */
class HeldAnswers {
  hold = false;
  readonly waiting: (() => void)[] = [];

  authorize = async (): Promise<boolean> => {
    if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return true;
  };

  /** Gives the oldest answer held, once one is waiting. */
  async release(): Promise<void> {
    await until(() => this.waiting.length > 0, 'an authorize call');
    this.waiting.shift()?.();
  }
}

const add =
  (n: number) =>
  (s: GCounterState, { replica }: UpdateContext) =>
    GCounter.increment(s, replica, n);

describe('deleting a document', () => {
  it('closes its subscriptions (not the connections), and forgets it in memory and in the store', async () => {
    const store = new SqliteStorage(join(dir, 'server.db'));
    const server = await fixture.server({ store });
    const annClient = fixture.client(server.url);
    const ann = annClient.open('notes', GCounter);
    const kept = annClient.open('kept', GCounter);
    const bob = fixture.client(server.url).open('notes', GCounter);
    const heard: RemoteError[] = [];
    ann.onError((e) => heard.push(e));
    ann.update(add(5));
    kept.update(add(1));
    await Promise.all([ann.synced(), kept.synced()]);
    await until(() => bob.value === 5, 'bob to see the increment');

    expect(await server.deleteDocument('notes')).toBe(true);
    await until(() => ann.deleted && bob.deleted, 'both handles to hear of the deletion');
    expect(heard.map((e) => [e.code, e.path])).toEqual([['deleted', 'notes']]);
    expect(ann.value).toBe(5); // the last state stays readable
    expect(() => ann.update(add(1))).toThrow(ValidationError);
    expect(server.documents()).toEqual(['kept']);
    expect(await store.load('notes')).toEqual({ snapshot: undefined, deltas: [] });
    expect(await store.documents()).toEqual(['kept']);
    // Ann's connection stays up: her other document still syncs.
    kept.update(add(2));
    await kept.synced();
    expect(server.document('kept')?.value).toBe(3);
    expect(server.stats().closes.size).toBe(0);

    // The name now opens a new, empty document, on the same client too.
    const again = annClient.open('notes', GCounter);
    expect(again).not.toBe(ann);
    again.update(add(1));
    await again.synced();
    expect(server.document('notes')?.value).toBe(1);
    expect(GCounter.value(await storedState(store, 'notes', GCounter))).toBe(1);
    expect(await server.deleteDocument('notes')).toBe(true);
    expect(await server.deleteDocument('notes')).toBe(false);
    await fixture.stop();
    await store.close();
  });

  it('ignores frames sent on the channel before the client heard, until it unsubscribes it', async () => {
    const server = await fixture.server({ store: new MemoryStorage() });
    const c = await raw(server.url);
    c.send({ type: 'subscribe', channel: 7, doc: 'notes', crdt: GCounter.type });
    await until(() => c.frames.some((f) => f.type === 'subscribed'), 'the subscription');
    await server.deleteDocument('notes');
    await until(() => c.frames.some((f) => f.type === 'error'), 'the deleted error');
    expect(c.frames.find((f) => f.type === 'error')).toEqual({
      type: 'error',
      channel: 7,
      code: 'deleted',
      message: "'notes' was deleted",
    });
    // Sent before the client could know: ignored.
    c.send({ type: 'sync', channel: 7, bytes: new Uint8Array([1, 2, 3]) });
    c.send({ type: 'set-presence', channel: 7, key: 'cursor', value: '1', ttlMs: 1000 });
    c.send({ type: 'ping', nonce: 42 });
    await until(() => c.frames.some((f) => f.type === 'pong'), 'the pong');
    expect(c.closed()).toBeUndefined();
    // Once unsubscribed, the channel is unknown again, and a frame on it breaks the protocol.
    c.send({ type: 'unsubscribe', channel: 7 });
    c.send({ type: 'sync', channel: 7, bytes: new Uint8Array([1]) });
    await until(() => c.closed() !== undefined, 'the close');
    expect(c.closed()).toBe(CloseCode.protocol);
  });

  it("drops a client's stored copy, so that restarting it does not bring the document back", async () => {
    const server = await fixture.server({ store: new MemoryStorage() });
    const file = join(dir, 'client.db');
    let storage = new SqliteStorage(file);
    // The removal takes a while: a handle opened meanwhile must not restore the old copy.
    let client = fixture.client(server.url, { store: slowRemoval(storage, 50) });
    const notes = client.open('notes', GCounter);
    const other = client.open('other', GCounter);
    notes.update(add(4));
    other.update(add(2));
    await Promise.all([notes.synced(), notes.saved(), other.synced(), other.saved()]);
    expect(await storage.documents()).toEqual(['notes', 'other']);

    await server.deleteDocument('notes');
    await until(() => notes.deleted, 'the deletion');
    // Opened again at once: the new handle waits for the removal before it restores anything.
    const reopened = client.open('notes', GCounter);
    await reopened.restored();
    expect(reopened.value).toBe(0);
    await until(() => reopened.subscribed, 'the new subscription');
    reopened.close();
    client.close();
    expect(await storage.documents()).toEqual(['other']);
    await storage.close();

    storage = new SqliteStorage(file);
    client = fixture.client(server.url, { store: storage });
    const restarted = client.open('notes', GCounter);
    await restarted.restored();
    await until(() => restarted.subscribed, 'the subscription after the restart');
    restarted.update(add(1));
    await restarted.synced();
    expect(server.document('notes')?.value).toBe(1);
    const kept = client.open('other', GCounter);
    await kept.restored();
    expect(kept.value).toBe(2);
    client.close();
    await storage.close();
  });

  it('makes a subscription that opens during the deletion wait for it, and land on the new document', async () => {
    const memory = new MemoryStorage();
    // Loading is quick, removing slow: a load that did not wait would find the old document.
    const server = await fixture.server({ store: slowRemoval(memory, 100) });
    const old = fixture.client(server.url).open('notes', GCounter);
    old.update(add(5));
    await old.synced();

    const deletion = server.deleteDocument('notes');
    const late = fixture.client(server.url).open('notes', GCounter);
    expect(await deletion).toBe(true);
    await until(() => late.subscribed && old.deleted, 'the late subscription and the deletion');
    late.update(add(1));
    await late.synced();
    expect(late.value).toBe(1);
    expect(server.document('notes')?.value).toBe(1);
    expect(GCounter.value(await storedState(memory, 'notes', GCounter))).toBe(1);
  });

  it('does not attach a subscription to the document deleted while it asked authorize again', async () => {
    const memory = new MemoryStorage();
    const answers = new HeldAnswers();
    const server = await fixture.server({ store: memory, authorize: answers.authorize });
    const old = fixture.client(server.url).open('notes', GCounter);
    old.update(add(5));
    await old.synced();
    old.close(); // the document stays loaded a while (lingerMs)

    answers.hold = true;
    const late = fixture.client(server.url).open('notes', GCounter);
    await until(() => answers.waiting.length === 1, "the late subscription's read check");
    // A reauthorization begins (it has no open subscription to ask about): the late
    // subscription, not yet open, will ask again once it has the document.
    expect(await server.reauthorize('notes')).toEqual({ checked: 0, changed: 0, closed: 0 });
    await answers.release(); // read
    await answers.release(); // write; it gets the loaded (old) document, then asks again...
    await until(() => answers.waiting.length === 1, 'the second asking');
    // ...and while it asks, the document is deleted.
    expect(server.documents()).toEqual(['notes']);
    expect(await server.deleteDocument('notes')).toBe(true);
    expect(server.documents()).toEqual([]);
    answers.hold = false;
    for (const resolve of answers.waiting.splice(0)) resolve();
    await until(() => late.subscribed, 'the late subscription');
    late.update(add(1));
    await late.synced();
    expect(server.document('notes')?.subscribers).toBe(1);
    expect(server.document('notes')?.value).toBe(1);
    expect(GCounter.value(await storedState(memory, 'notes', GCounter))).toBe(1);
  });

  it('finishes a deletion under way before close resolves, and refuses one after', async () => {
    const memory = new MemoryStorage();
    const server = await fixture.server({ store: slowRemoval(memory, 100) });
    const handle = fixture.client(server.url).open('notes', GCounter);
    handle.update(add(3));
    await handle.synced();
    const deletion = server.deleteDocument('notes');
    await server.close();
    // The store is the caller's to close once the server is: nothing may still be writing to it.
    expect(await memory.documents()).toEqual([]);
    expect(await deletion).toBe(true);
    await expect(server.deleteDocument('notes')).rejects.toThrow('shutting down');
  });

  it("lets a client delete a document it has open, when authorize allows 'delete'", async () => {
    const store = new MemoryStorage();
    const asked: string[] = [];
    const server = await fixture.server({
      store,
      authenticate: (req) => new URL(req.url ?? '/', 'ws://x').searchParams.get('user'),
      authorize: (user, doc, access) => {
        asked.push(`${user} ${access} ${doc}`);
        if (user === 'reader') return access !== 'write'; // allows 'delete', but may not write
        return access !== 'delete' || user === 'admin';
      },
    });
    const reader = fixture.client(`${server.url}?user=reader`).open('notes', GCounter);
    await until(() => reader.writable === false, 'the read-only subscription');
    await expect(reader.delete()).rejects.toThrow("no delete access to 'notes'");
    expect(asked.filter((a) => a.includes('delete'))).toEqual([]); // refused before asking
    const admin = fixture.client(`${server.url}?user=admin`).open('notes', GCounter);
    const bobClient = fixture.client(`${server.url}?user=bob`);
    const bob = bobClient.open('notes', GCounter);
    bob.update(add(2));
    await bob.synced();
    await until(() => admin.subscribed && admin.value === 2, 'admin to see the change');

    const refused = await bob.delete().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(RemoteError);
    expect((refused as RemoteError).code).toBe('forbidden');
    expect((refused as RemoteError).message).toContain("no delete access to 'notes'");
    expect(bob.deleted).toBe(false);
    expect(server.document('notes')?.value).toBe(2);

    await admin.delete();
    expect(admin.deleted).toBe(true);
    await until(() => bob.deleted, "bob's handle to close too");
    expect(await store.documents()).toEqual([]);
    expect(asked.filter((a) => a.includes('delete'))).toEqual(['bob delete notes', 'admin delete notes']);
    // Bob's connection stays open: a new handle on the name starts a new document.
    const again = bobClient.open('notes', GCounter);
    again.update(add(1));
    await again.synced();
    expect(server.document('notes')?.value).toBe(1);
  });

  it('refuses delete() on a handle closed or not subscribed, and answers when the connection drops', async () => {
    const server = await fixture.server();
    const client = fixture.client(server.url);
    const notes = client.open('notes', GCounter);
    await until(() => notes.subscribed, 'the subscription');
    client.disconnect();
    await expect(notes.delete()).rejects.toThrow(ValidationError);
    client.reconnect();
    await until(() => notes.subscribed, 'the subscription again');
    const pending = notes.delete();
    client.disconnect(); // before the answer can arrive
    await expect(pending).rejects.toThrow('may or may not be deleted');
    notes.close();
    await expect(notes.delete()).rejects.toThrow('is closed');
  });

  it('ignores a delete frame on a channel already deleted, and closes the connection for an unknown one', async () => {
    const server = await fixture.server();
    const c = await raw(server.url);
    c.send({ type: 'subscribe', channel: 1, doc: 'notes', crdt: GCounter.type });
    await until(() => c.frames.some((f) => f.type === 'subscribed'), 'the subscription');
    c.send({ type: 'delete', channel: 1 });
    c.send({ type: 'delete', channel: 1 }); // sent before the answer: ignored
    await until(() => c.frames.some((f) => f.type === 'error'), 'the deleted error');
    c.send({ type: 'ping', nonce: 1 });
    await until(() => c.frames.some((f) => f.type === 'pong'), 'the pong');
    expect(c.frames.filter((f) => f.type === 'error')).toHaveLength(1);
    expect(c.closed()).toBeUndefined();
    c.send({ type: 'delete', channel: 9 });
    await until(() => c.closed() !== undefined, 'the close');
    expect(c.closed()).toBe(CloseCode.protocol);
  });

  it('deletes a stored document that is not loaded, and one that lives only in memory', async () => {
    const store = new MemoryStorage();
    await store.append('cold', new Uint8Array(0));
    const stored = await fixture.server({ store });
    expect(await stored.deleteDocument('cold')).toBe(true);
    expect(await store.documents()).toEqual([]);
    expect(await stored.deleteDocument('never')).toBe(false);

    const inMemory = await fixture.server();
    const handle = fixture.client(inMemory.url).open('notes', GCounter);
    handle.update(add(2));
    await handle.synced();
    expect(await inMemory.deleteDocument('notes')).toBe(true);
    await until(() => handle.deleted, 'the deletion');
    expect(inMemory.documents()).toEqual([]);
    for (const bad of ['', 'a\u0000b', 42]) {
      expect(() => inMemory.deleteDocument(bad as string)).toThrow(ValidationError);
    }
  });
});
