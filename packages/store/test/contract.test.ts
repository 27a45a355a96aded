import { ValidationError } from '@nlbd/core';
import {
  IndexedDbStorage,
  MAX_DOCUMENT_NAME_BYTES,
  MemoryStorage,
  SqliteStorage,
  type StorageAdapter,
  StorageClosedError,
} from '@nlbd/store';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-dir.js';

/** An adapter under test: how to open it, and how to reopen the same storage after a close. */
interface Subject {
  readonly name: string;
  open(): StorageAdapter;
  /** The same storage again: a new adapter on the same file, or the same object in memory. */
  reopen(old: StorageAdapter): Promise<StorageAdapter>;
}

const temp = useTempDir('contract');
/** The IndexedDB of the test running now. */
let indexedDB = new IDBFactory();

const subjects: Subject[] = [
  { name: 'MemoryStorage', open: () => new MemoryStorage(), reopen: async (old) => old },
  {
    name: 'SqliteStorage',
    open() {
      return new SqliteStorage(temp.file('contract.db'));
    },
    async reopen(old) {
      await old.close();
      return new SqliteStorage((old as SqliteStorage).path);
    },
  },
  {
    // fake-indexeddb: IndexedDB as the specification defines it, in memory, for Node.
    name: 'IndexedDbStorage (fake-indexeddb)',
    open() {
      indexedDB = new IDBFactory(); // a fresh browser profile for each test
      return new IndexedDbStorage('contract', { indexedDB, keyRange: IDBKeyRange });
    },
    async reopen(old) {
      await old.close();
      return new IndexedDbStorage('contract', { indexedDB, keyRange: IDBKeyRange });
    },
  },
  {
    name: 'SqliteStorage (:memory:, synchronous NORMAL)',
    open: () => new SqliteStorage(':memory:', { synchronous: 'normal' }),
    reopen: async (old) => old,
  },
];

const bytes = (...values: number[]) => new Uint8Array(values);
const seqs = (stored: { deltas: readonly { seq: number }[] }) => stored.deltas.map((d) => d.seq);

describe.each(subjects)('StorageAdapter contract: $name', (subject) => {
  let storage: StorageAdapter;
  const open = () => (storage = subject.open());
  afterEach(() => storage.close());

  it('loads a document never written as no snapshot and no deltas', async () => {
    open();
    expect(await storage.load('nothing')).toEqual({ snapshot: undefined, deltas: [] });
    expect(await storage.documents()).toEqual([]);
  });

  it('numbers appends from 1 per document and loads them in order', async () => {
    open();
    expect(await storage.append('a', bytes(1))).toBe(1);
    expect(await storage.append('b', bytes(9))).toBe(1);
    expect(await storage.append('a', bytes(2, 2))).toBe(2);
    expect(await storage.append('a', bytes())).toBe(3);
    const a = await storage.load('a');
    expect(a.snapshot).toBeUndefined();
    expect(a.deltas).toEqual([
      { seq: 1, bytes: bytes(1) },
      { seq: 2, bytes: bytes(2, 2) },
      { seq: 3, bytes: bytes() },
    ]);
    expect(seqs(await storage.load('b'))).toEqual([1]);
    expect(await storage.documents()).toEqual(['a', 'b']);
  });

  it('copies bytes in and out: mutating them later changes nothing stored', async () => {
    open();
    const delta = bytes(1, 2, 3);
    await storage.append('doc', delta);
    delta[0] = 99;
    const loaded = await storage.load('doc');
    (loaded.deltas[0]?.bytes as Uint8Array)[1] = 99;
    expect((await storage.load('doc')).deltas[0]?.bytes).toEqual(bytes(1, 2, 3));
  });

  it('compact replaces the snapshot and keeps the deltas after throughSeq', async () => {
    open();
    for (let i = 1; i <= 5; i++) await storage.append('doc', bytes(i));
    await storage.compact('doc', bytes(0xaa), 3);
    let stored = await storage.load('doc');
    expect(stored.snapshot).toEqual(bytes(0xaa));
    expect(stored.deltas).toEqual([
      { seq: 4, bytes: bytes(4) },
      { seq: 5, bytes: bytes(5) },
    ]);
    await storage.compact('doc', bytes(0xbb), 5);
    stored = await storage.load('doc');
    expect(stored).toEqual({ snapshot: bytes(0xbb), deltas: [] });
  });

  it('never reuses a sequence number, across compaction and reopening', async () => {
    open();
    for (let i = 1; i <= 3; i++) await storage.append('doc', bytes(i));
    await storage.compact('doc', bytes(0), 3);
    storage = await subject.reopen(storage);
    expect(await storage.append('doc', bytes(4))).toBe(4);
    storage = await subject.reopen(storage);
    expect(await storage.load('doc')).toEqual({ snapshot: bytes(0), deltas: [{ seq: 4, bytes: bytes(4) }] });
    expect(await storage.append('doc', bytes(5))).toBe(5);
  });

  it('compacts a document never appended to through 0, which then exists', async () => {
    open();
    await storage.compact('fresh', bytes(7), 0);
    expect(await storage.load('fresh')).toEqual({ snapshot: bytes(7), deltas: [] });
    expect(await storage.documents()).toEqual(['fresh']);
    expect(await storage.append('fresh', bytes(1))).toBe(1);
  });

  it('refuses a compaction past the last seq, a stale one, or a bad throughSeq, changing nothing', async () => {
    open();
    for (let i = 1; i <= 4; i++) await storage.append('doc', bytes(i));
    await storage.compact('doc', bytes(0xaa), 2);
    const before = await storage.load('doc');
    for (const throughSeq of [5, 1, 2.5, Number.NaN, -1, '3' as unknown as number]) {
      await expect(storage.compact('doc', bytes(0xbb), throughSeq)).rejects.toThrow(ValidationError);
    }
    await expect(storage.compact('unknown', bytes(0xbb), 1)).rejects.toThrow(ValidationError);
    await expect(storage.compact('doc', 'x' as unknown as Uint8Array, 3)).rejects.toThrow(ValidationError);
    expect(await storage.load('doc')).toEqual(before);
    expect(await storage.documents()).toEqual(['doc']);
  });

  it('removes a document whole: load finds nothing, documents and usage leave it out', async () => {
    open();
    for (let i = 1; i <= 4; i++) await storage.append('doc', bytes(i, i));
    await storage.compact('doc', bytes(0xaa, 0xbb, 0xcc), 2);
    await storage.append('kept', bytes(1));
    expect(await storage.usage('doc')).toEqual({ snapshotBytes: 3, deltas: 2, deltaBytes: 4, lastSeq: 4 });
    expect(await storage.remove('doc')).toBe(true);
    expect(await storage.load('doc')).toEqual({ snapshot: undefined, deltas: [] });
    expect(await storage.documents()).toEqual(['kept']);
    expect(await storage.usage('doc')).toBeUndefined();
    expect(await storage.usage('kept')).toEqual({ snapshotBytes: 0, deltas: 1, deltaBytes: 1, lastSeq: 1 });
    expect(await storage.load('kept')).toEqual({
      snapshot: undefined,
      deltas: [{ seq: 1, bytes: bytes(1) }],
    });
    storage = await subject.reopen(storage);
    expect(await storage.load('doc')).toEqual({ snapshot: undefined, deltas: [] });
    expect(await storage.documents()).toEqual(['kept']);
    // Nothing (left) to remove: false, and nothing changes.
    expect(await storage.remove('doc')).toBe(false);
    expect(await storage.remove('never')).toBe(false);
    expect(await storage.documents()).toEqual(['kept']);
    expect(await storage.usage('never')).toBeUndefined();
  });

  it('goes on numbering a removed document after its last seq, and refuses stale compactions of it', async () => {
    open();
    for (let i = 1; i <= 3; i++) await storage.append('doc', bytes(i));
    await storage.remove('doc');
    // A writer that loaded the document before the removal compacts through what it saw: refused.
    await expect(storage.compact('doc', bytes(0xaa), 2)).rejects.toThrow(ValidationError);
    expect(await storage.documents()).toEqual([]);
    storage = await subject.reopen(storage);
    expect(await storage.append('doc', bytes(4))).toBe(4);
    expect(await storage.load('doc')).toEqual({ snapshot: undefined, deltas: [{ seq: 4, bytes: bytes(4) }] });
    expect(await storage.usage('doc')).toEqual({ snapshotBytes: 0, deltas: 1, deltaBytes: 1, lastSeq: 4 });
    expect(await storage.documents()).toEqual(['doc']);
    // A snapshot-only document (compacted through every delta) is stored, and removable.
    await storage.compact('doc', bytes(9), 4);
    expect(await storage.usage('doc')).toEqual({ snapshotBytes: 1, deltas: 0, deltaBytes: 0, lastSeq: 4 });
    expect(await storage.remove('doc')).toBe(true);
    expect(await storage.load('doc')).toEqual({ snapshot: undefined, deltas: [] });
  });

  it('validates document names and delta bytes', async () => {
    open();
    const longest = 'é'.repeat(MAX_DOCUMENT_NAME_BYTES / 2); // 2 UTF-8 bytes each
    expect(await storage.append(longest, bytes(1))).toBe(1);
    expect(await storage.append('日本語 🚀 names', bytes(1))).toBe(1);
    const bad = ['', 'a\u0000b', 'tab\there', 'del\u007f', 'c1\u0085', `${longest}e`, 'lone \ud800', 42];
    for (const name of bad as string[]) {
      await expect(storage.load(name)).rejects.toThrow(ValidationError);
      await expect(storage.append(name, bytes(1))).rejects.toThrow(ValidationError);
      await expect(storage.compact(name, bytes(1), 0)).rejects.toThrow(ValidationError);
      await expect(storage.remove(name)).rejects.toThrow(ValidationError);
      await expect(storage.usage(name)).rejects.toThrow(ValidationError);
    }
    for (const delta of [undefined, null, [1, 2], 'bytes', new ArrayBuffer(2)]) {
      await expect(storage.append('doc', delta as unknown as Uint8Array)).rejects.toThrow(ValidationError);
    }
    expect((await storage.documents()).sort()).toEqual([longest, '日本語 🚀 names'].sort());
  });

  it('rejects every call after close with StorageClosedError; close is idempotent', async () => {
    open();
    await storage.append('doc', bytes(1));
    await storage.close();
    await storage.close();
    await expect(storage.load('doc')).rejects.toThrow(StorageClosedError);
    await expect(storage.append('doc', bytes(1))).rejects.toThrow(StorageClosedError);
    await expect(storage.compact('doc', bytes(1), 1)).rejects.toThrow(StorageClosedError);
    await expect(storage.documents()).rejects.toThrow(StorageClosedError);
    await expect(storage.remove('doc')).rejects.toThrow(StorageClosedError);
    await expect(storage.usage('doc')).rejects.toThrow(StorageClosedError);
  });
});
