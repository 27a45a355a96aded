import { decode, encode } from '@nlbd/codec';
import { DecodeError, ValidationError } from '@nlbd/core';
import { GCounter, ORSet } from '@nlbd/crdts';
import {
  MemoryStorage,
  openDocument,
  RecordDecodeError,
  SqliteStorage,
  type StorageAdapter,
} from '@nlbd/store';
import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-dir.js';

const temp = useTempDir('durable');

const inc = (s: Map<string, number>, replica: string, n = 1) => GCounter.increment(s, replica, n);

/** A MemoryStorage whose next `append` or `compact` fails once, when the test says. */
class FlakyStorage extends MemoryStorage {
  failNext: 'append' | 'compact' | undefined;

  override async append(doc: string, delta: Uint8Array): Promise<number> {
    this.#maybeFail('append');
    return super.append(doc, delta);
  }

  override async compact(doc: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    this.#maybeFail('compact');
    return super.compact(doc, snapshot, throughSeq);
  }

  #maybeFail(op: 'append' | 'compact'): void {
    if (this.failNext !== op) return;
    this.failNext = undefined;
    throw new Error(`disk full during ${op}`);
  }
}

describe('openDocument', () => {
  it('opens a document never written as bottom, persists, and reopens to the same state', async () => {
    const storage = new MemoryStorage();
    const doc = await openDocument(storage, 'counter', GCounter);
    expect(doc.value).toBe(0);
    expect(doc.lastSeq).toBe(0);
    expect(await doc.persist(inc(doc.state, 'alice', 2))).toBe(1);
    expect(await doc.persist(inc(doc.state, 'bob', 3))).toBe(2);
    expect(doc.value).toBe(5);
    const again = await openDocument(storage, 'counter', GCounter);
    expect(GCounter.equals(again.state, doc.state)).toBe(true);
    expect(again.lastSeq).toBe(2);
  });

  it('compacts every compactEvery deltas, and on demand', async () => {
    const storage = new MemoryStorage();
    const doc = await openDocument(storage, 'counter', GCounter, { compactEvery: 3 });
    for (let i = 0; i < 3; i++) await doc.persist(inc(doc.state, 'alice'));
    expect(await storage.load('counter')).toEqual({ snapshot: encode(GCounter, doc.state), deltas: [] });
    expect(doc.sinceSnapshot).toBe(0);
    await doc.persist(inc(doc.state, 'alice'));
    expect((await storage.load('counter')).deltas.map((d) => d.seq)).toEqual([4]);
    await doc.compact();
    await doc.compact(); // nothing new: no write
    expect(await storage.load('counter')).toEqual({ snapshot: encode(GCounter, doc.state), deltas: [] });
    expect((await openDocument(storage, 'counter', GCounter)).value).toBe(4);
  });

  it('refuses a compactEvery that is not a positive integer or Infinity', async () => {
    const storage = new MemoryStorage();
    for (const compactEvery of [0, -1, 1.5, Number.NaN]) {
      await expect(openDocument(storage, 'x', GCounter, { compactEvery })).rejects.toThrow(ValidationError);
    }
    const never = await openDocument(storage, 'x', GCounter, { compactEvery: Number.POSITIVE_INFINITY });
    for (let i = 0; i < 5; i++) await never.persist(inc(never.state, 'a'));
    expect((await storage.load('x')).deltas).toHaveLength(5);
  });

  it('encodes the delta when called: mutating it afterwards changes neither storage nor state', async () => {
    const storage = new MemoryStorage();
    const doc = await openDocument(storage, 'set', ORSet);
    const delta = ORSet.add(doc.state, 'alice', 'milk');
    const done = doc.persist(delta);
    delta.store.clear();
    await done;
    expect(doc.value).toEqual(new Set(['milk']));
    expect((await openDocument(storage, 'set', ORSet)).value).toEqual(new Set(['milk']));
  });

  it('runs persists in call order and resolves each with its own sequence number', async () => {
    const storage = new MemoryStorage();
    const doc = await openDocument(storage, 'counter', GCounter, { compactEvery: 4 });
    const seqs = await Promise.all(Array.from({ length: 10 }, () => doc.persist(inc(GCounter.empty(), 'a'))));
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await doc.settled();
    expect((await openDocument(storage, 'counter', GCounter)).value).toBe(1);
  });

  it('rejects a persist whose append failed, joining nothing, and goes on', async () => {
    const storage = new FlakyStorage();
    const doc = await openDocument(storage, 'counter', GCounter);
    storage.failNext = 'append';
    await expect(doc.persist(inc(doc.state, 'alice', 5))).rejects.toThrow('disk full during append');
    expect(doc.value).toBe(0);
    expect(await doc.persist(inc(doc.state, 'alice', 1))).toBe(1);
    expect(doc.value).toBe(1);
  });

  it('rejects a persist whose compaction failed; the delta is durable and the next persist compacts', async () => {
    const storage = new FlakyStorage();
    const doc = await openDocument(storage, 'counter', GCounter, { compactEvery: 2 });
    await doc.persist(inc(doc.state, 'a'));
    storage.failNext = 'compact';
    await expect(doc.persist(inc(doc.state, 'b'))).rejects.toThrow('disk full during compact');
    expect((await storage.load('counter')).deltas).toHaveLength(2);
    expect(doc.value).toBe(2);
    await doc.persist(inc(doc.state, 'c'));
    expect(await storage.load('counter')).toEqual({ snapshot: encode(GCounter, doc.state), deltas: [] });
  });

  it('joins another writer’s deltas before compacting, so none is dropped', async () => {
    const storage = new MemoryStorage();
    const one = await openDocument(storage, 'counter', GCounter, { compactEvery: 3 });
    const two = await openDocument(storage, 'counter', GCounter, { compactEvery: 3 });
    for (let i = 0; i < 6; i++) {
      await one.persist(inc(one.state, 'one'));
      await two.persist(inc(two.state, 'two'));
    }
    const reopened = await openDocument(storage, 'counter', GCounter);
    expect(reopened.value).toBe(12);
    expect(one.value + two.value).toBeGreaterThanOrEqual(12); // each saw the other at its gaps
  });

  it('joins the snapshot it could not number at open when its first append shows a gap', async () => {
    const storage: StorageAdapter = new MemoryStorage();
    const first = await openDocument(storage, 'counter', GCounter);
    await first.persist(inc(first.state, 'a', 2));
    await first.compact(); // the log is now a snapshot through seq 1 and no deltas
    const doc = await openDocument(storage, 'counter', GCounter, { compactEvery: 1 });
    expect(doc.lastSeq).toBe(0);
    expect(await doc.persist(inc(doc.state, 'b', 3))).toBe(2);
    expect(doc.lastSeq).toBe(2);
    expect((await openDocument(storage, 'counter', GCounter)).value).toBe(5);
  });
});

describe('openDocument over damaged storage', () => {
  /** A SQLite file holding a GCounter document 'doc' with a snapshot and deltas 3 and 4. */
  async function stored(): Promise<string> {
    const path = temp.file('damaged.db');
    const storage = new SqliteStorage(path, { synchronous: 'normal' });
    const doc = await openDocument(storage, 'doc', GCounter);
    for (let i = 1; i <= 4; i++) {
      await doc.persist(inc(doc.state, 'alice'));
      if (i === 2) await doc.compact();
    }
    await storage.close();
    return path;
  }

  /** What opening the document in `path` rejects with. */
  async function openError(path: string, crdt: typeof GCounter | typeof ORSet = GCounter): Promise<unknown> {
    const storage = new SqliteStorage(path);
    try {
      await openDocument(storage, 'doc', crdt as typeof GCounter);
    } catch (error) {
      return error;
    } finally {
      await storage.close();
    }
    throw new Error('openDocument did not reject');
  }

  const update = (path: string, sql: string) => {
    const db = new Sqlite(path);
    db.exec(sql);
    db.close();
  };

  it('names the document and seq of a delta whose bytes changed, though they still decode', async () => {
    const path = await stored();
    const db = new Sqlite(path);
    const bytes = db.prepare('SELECT bytes FROM nlbd_deltas WHERE seq = 4').pluck().get() as Buffer;
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 2, bytes.length - 1); // alice's count 4 becomes 6
    expect(GCounter.value(decode(GCounter, bytes))).toBe(6);
    db.prepare('UPDATE nlbd_deltas SET bytes = ? WHERE seq = 4').run(bytes);
    db.close();
    const error = await openError(path);
    expect(error).toBeInstanceOf(RecordDecodeError);
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({ document: 'doc', seq: 4 });
    expect((error as Error).message).toMatch(/document 'doc', delta seq 4: crc: checksum mismatch/);
  });

  it('names the snapshot when its bytes changed', async () => {
    const path = await stored();
    update(path, `UPDATE nlbd_documents SET snapshot = substr(snapshot, 1, 5)`);
    expect(await openError(path)).toMatchObject({ document: 'doc', seq: undefined });
  });

  it('names the record that does not decode as the type it is opened as', async () => {
    const path = await stored();
    const error = await openError(path, ORSet);
    expect(error).toBeInstanceOf(RecordDecodeError);
    expect((error as RecordDecodeError).cause).toBeInstanceOf(DecodeError);
    expect((error as Error).message).toMatch(/document 'doc', snapshot: header.tag: expected type 'orset'/);
  });

  it('names the delta whose bytes were written damaged (a valid checksum over bad bytes)', async () => {
    const storage = new MemoryStorage();
    await storage.append('doc', encode(GCounter, inc(GCounter.empty(), 'a'), { kind: 'delta' }));
    await storage.append(
      'doc',
      encode(GCounter, inc(GCounter.empty(), 'a'), { kind: 'delta' }).subarray(0, 9),
    );
    await expect(openDocument(storage, 'doc', GCounter)).rejects.toMatchObject({
      name: 'RecordDecodeError',
      document: 'doc',
      seq: 2,
    });
  });
});
