import { ValidationError } from '@nlbd/core';
import { ORSet } from '@nlbd/crdts';
import { INDEXEDDB_SCHEMA_VERSION, IndexedDbStorage, openDocument, SchemaVersionError } from '@nlbd/store';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';

const storageOn = (indexedDB: IDBFactory, name = 'nlbd') =>
  new IndexedDbStorage(name, { indexedDB, keyRange: IDBKeyRange });

describe('IndexedDbStorage', () => {
  it('keeps a document durable across reopening, through openDocument and its compactions', async () => {
    const indexedDB = new IDBFactory();
    let storage = storageOn(indexedDB);
    const list = await openDocument(storage, 'groceries', ORSet, { compactEvery: 2 });
    for (const item of ['milk', 'eggs', 'tea']) await list.persist(ORSet.add(list.state, 'tab-1', item));
    await list.persist(ORSet.remove(list.state, 'eggs'));
    await list.settled();
    await storage.close();

    storage = storageOn(indexedDB);
    const again = await openDocument(storage, 'groceries', ORSet);
    expect([...ORSet.value(again.state)].sort()).toEqual(['milk', 'tea']);
    expect((await storage.load('groceries')).snapshot).toBeDefined();
    await storage.close();
  });

  it('numbers appends without gaps or repeats when two tabs append to one document at once', async () => {
    const indexedDB = new IDBFactory();
    const tabs = [storageOn(indexedDB), storageOn(indexedDB)];
    const seqs = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (tabs[i % 2] as IndexedDbStorage).append('doc', new Uint8Array([i])),
      ),
    );
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const stored = await (tabs[0] as IndexedDbStorage).load('doc');
    expect(stored.deltas.map((d) => d.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    for (const tab of tabs) await tab.close();
  });

  it('stores the bytes of a view, not the whole buffer under it', async () => {
    const storage = storageOn(new IDBFactory());
    const big = new Uint8Array(1 << 20).fill(7);
    await storage.append('doc', big.subarray(10, 13));
    await storage.compact('doc', big.subarray(0, 2), 0);
    const stored = await storage.load('doc');
    expect(stored.deltas[0]?.bytes).toEqual(new Uint8Array([7, 7, 7]));
    expect(stored.deltas[0]?.bytes.buffer.byteLength).toBe(3);
    expect(stored.snapshot?.buffer.byteLength).toBe(2);
    await storage.close();
  });

  it('leaves a database of a newer schema untouched, refusing it with SchemaVersionError', async () => {
    const indexedDB = new IDBFactory();
    const newer = INDEXEDDB_SCHEMA_VERSION + 1;
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.open('nlbd', newer);
      request.onupgradeneeded = () => request.result.createObjectStore('future');
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    const storage = storageOn(indexedDB);
    const refusal = storage.load('doc');
    await expect(refusal).rejects.toThrow(SchemaVersionError);
    await expect(refusal).rejects.toMatchObject({ found: newer, supported: INDEXEDDB_SCHEMA_VERSION });
    await storage.close();
    const stores = await new Promise<string[]>((resolve) => {
      const request = indexedDB.open('nlbd');
      request.onsuccess = () => {
        resolve(
          Array.from(
            { length: request.result.objectStoreNames.length },
            (_, i) => request.result.objectStoreNames.item(i) as string,
          ),
        );
        request.result.close();
      };
    });
    expect(stores).toEqual(['future']);
  });

  it('refuses a bad database name, and a place with no IndexedDB', () => {
    expect(() => new IndexedDbStorage('', { indexedDB: new IDBFactory(), keyRange: IDBKeyRange })).toThrow(
      ValidationError,
    );
    expect(() => new IndexedDbStorage('nlbd')).toThrow(/no IndexedDB here/);
  });
});
