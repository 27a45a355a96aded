import { ValidationError } from '@nlbd/core';
import {
  assertBytes,
  assertThroughSeq,
  type DocumentUsage,
  holdsRecords,
  type StorageAdapter,
  type StoredDocument,
} from './adapter.js';
import { assertDocumentName } from './document-name.js';
import { SchemaVersionError, StorageClosedError, StorageError } from './errors.js';

/**
 * The IndexedDB schema version {@link IndexedDbStorage} reads and writes: an object store `logs`
 * (one record per document: its last sequence number, its snapshot and the sequence number the
 * snapshot covers) and an object store `deltas` keyed by `[doc, seq]`.
 */
export const INDEXEDDB_SCHEMA_VERSION = 1;

/** Options of {@link IndexedDbStorage}. */
export interface IndexedDbStorageOptions {
  /** The IndexedDB to use: the global `indexedDB` by default (a browser's, or a test double's). */
  readonly indexedDB?: IDBFactory;
  /** Its `IDBKeyRange`: the global one by default. */
  readonly keyRange?: typeof IDBKeyRange;
}

/** A document's record in the `logs` store. */
interface LogRecord {
  readonly doc: string;
  readonly lastSeq: number;
  readonly snapshotSeq: number;
  readonly snapshot: Uint8Array | undefined;
}

/** A delta's record in the `deltas` store. */
interface DeltaRecord {
  readonly doc: string;
  readonly seq: number;
  readonly bytes: Uint8Array;
}

const LOGS = 'logs';
const DELTAS = 'deltas';

/** The result of `request`, or its error as a {@link StorageError}. */
function result<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(storageError(request.error, 'request'));
  });
}

/** Resolves once `tx` has committed; rejects if it aborted or failed. */
function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(storageError(tx.error, 'transaction'));
    tx.onabort = () => reject(storageError(tx.error, 'transaction aborted'));
  });
}

function storageError(cause: DOMException | null, what: string): StorageError {
  const error = new StorageError('indexeddb', `IndexedDB ${what} failed: ${cause?.name ?? 'unknown error'}`);
  error.cause = cause;
  return error;
}

/**
 * Opens (creating or upgrading) database `name`. A database of a newer schema is left untouched:
 * a {@link SchemaVersionError}.
 */
function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    // No version asked: an existing database opens at its own version, checked below.
    const request = factory.open(name);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(LOGS)) db.createObjectStore(LOGS, { keyPath: 'doc' });
      if (!db.objectStoreNames.contains(DELTAS)) db.createObjectStore(DELTAS, { keyPath: ['doc', 'seq'] });
    };
    request.onerror = () => reject(storageError(request.error, 'open'));
    request.onsuccess = () => {
      const db = request.result;
      if (db.version > INDEXEDDB_SCHEMA_VERSION) {
        db.close();
        return reject(new SchemaVersionError(db.version, INDEXEDDB_SCHEMA_VERSION));
      }
      // Another tab upgrading or deleting the database: let it, and fail from here on.
      db.onversionchange = () => db.close();
      resolve(db);
    };
  });
}

/**
 * A {@link StorageAdapter} on IndexedDB, the browser's durable store: each document's snapshot
 * and delta log in database `name` (default `'nlbd'`), with the same contract as
 * {@link SqliteStorage} (sequence numbers, compaction rules, name checks, copies in and out).
 * Each call is one IndexedDB transaction (appends and compactions with `durability: 'strict'`,
 * where the browser offers it), so a call is applied whole or not at all, and calls on one
 * document from several tabs still number its deltas without gaps or repeats.
 * @example
 * const client = connect(url, { store: new IndexedDbStorage('my-app') });
 */
export class IndexedDbStorage implements StorageAdapter {
  /** The database's name. */
  readonly name: string;
  readonly #db: Promise<IDBDatabase>;
  readonly #keyRange: typeof IDBKeyRange;
  #closed = false;

  constructor(name = 'nlbd', options: IndexedDbStorageOptions = {}) {
    if (typeof name !== 'string' || name.length === 0)
      throw new ValidationError('must be a non-empty string', 'name');
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    const keyRange = options.keyRange ?? (globalThis as { IDBKeyRange?: typeof IDBKeyRange }).IDBKeyRange;
    if (factory === undefined || keyRange === undefined)
      throw new ValidationError('no IndexedDB here: pass { indexedDB, keyRange }', 'options.indexedDB');
    this.name = name;
    this.#keyRange = keyRange;
    this.#db = openDatabase(factory, name);
    this.#db.catch(() => {}); // reported by the first call
  }

  async load(doc: string): Promise<StoredDocument> {
    const [log, deltas] = await this.#read(doc);
    return {
      snapshot: log?.snapshot,
      deltas: deltas.map(({ seq, bytes }) => ({ seq, bytes })),
    };
  }

  async append(doc: string, delta: Uint8Array): Promise<number> {
    assertBytes(delta, 'delta');
    const bytes = delta.slice(); // a copy of the view alone, not of the buffer under it
    const tx = await this.#transaction(doc, 'readwrite');
    const done = committed(tx);
    const logs = tx.objectStore(LOGS);
    const log = (await result(logs.get(doc) as IDBRequest<LogRecord | undefined>)) ?? emptyLog(doc);
    const seq = log.lastSeq + 1;
    logs.put({ ...log, lastSeq: seq });
    tx.objectStore(DELTAS).add({ doc, seq, bytes } satisfies DeltaRecord);
    await done;
    return seq;
  }

  async compact(doc: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    assertBytes(snapshot, 'snapshot');
    const bytes = snapshot.slice();
    const tx = await this.#transaction(doc, 'readwrite');
    const done = committed(tx);
    const logs = tx.objectStore(LOGS);
    const log = (await result(logs.get(doc) as IDBRequest<LogRecord | undefined>)) ?? emptyLog(doc);
    // Refused before anything is written: the transaction then commits nothing.
    assertThroughSeq(throughSeq, log);
    logs.put({ ...log, snapshotSeq: throughSeq, snapshot: bytes } satisfies LogRecord);
    tx.objectStore(DELTAS).delete(this.#keyRange.bound([doc, 0], [doc, throughSeq]));
    await done;
  }

  async remove(doc: string): Promise<boolean> {
    const tx = await this.#transaction(doc, 'readwrite');
    const done = committed(tx);
    const logs = tx.objectStore(LOGS);
    const log = await result(logs.get(doc) as IDBRequest<LogRecord | undefined>);
    if (log === undefined || !holdsRecords(log)) {
      await done;
      return false;
    }
    // The record stays, for its sequence numbers: the snapshot now covers them all, and is empty.
    logs.put({
      doc,
      lastSeq: log.lastSeq,
      snapshotSeq: log.lastSeq,
      snapshot: undefined,
    } satisfies LogRecord);
    tx.objectStore(DELTAS).delete(this.#deltasOf(doc));
    await done;
    return true;
  }

  async documents(): Promise<string[]> {
    const db = await this.#open();
    const logs = await result(db.transaction(LOGS, 'readonly').objectStore(LOGS).getAll());
    return (logs as LogRecord[])
      .filter(holdsRecords)
      .map((log) => log.doc)
      .sort();
  }

  async usage(doc: string): Promise<DocumentUsage | undefined> {
    const [log, deltas] = await this.#read(doc);
    if (log === undefined || !holdsRecords(log)) return undefined;
    return {
      snapshotBytes: log.snapshot?.length ?? 0,
      deltas: deltas.length,
      deltaBytes: deltas.reduce((sum, d) => sum + d.bytes.length, 0),
      lastSeq: log.lastSeq,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      (await this.#db).close();
    } catch {
      // It never opened: nothing to close.
    }
  }

  /** `doc`'s log record and deltas, read in one transaction. */
  async #read(doc: string): Promise<[LogRecord | undefined, DeltaRecord[]]> {
    const tx = await this.#transaction(doc, 'readonly');
    return Promise.all([
      result(tx.objectStore(LOGS).get(doc) as IDBRequest<LogRecord | undefined>),
      result(tx.objectStore(DELTAS).getAll(this.#deltasOf(doc)) as IDBRequest<DeltaRecord[]>),
    ]);
  }

  /** Every delta key of `doc`. */
  #deltasOf(doc: string): IDBKeyRange {
    return this.#keyRange.bound([doc, 0], [doc, Number.POSITIVE_INFINITY]);
  }

  async #open(): Promise<IDBDatabase> {
    if (this.#closed) throw new StorageClosedError();
    const db = await this.#db;
    if (this.#closed) throw new StorageClosedError();
    return db;
  }

  /** A transaction on both stores, after checking `doc` and that the storage is open. */
  async #transaction(doc: unknown, mode: IDBTransactionMode): Promise<IDBTransaction> {
    if (this.#closed) throw new StorageClosedError();
    assertDocumentName(doc);
    const db = await this.#open();
    try {
      return mode === 'readwrite'
        ? db.transaction([LOGS, DELTAS], mode, { durability: 'strict' })
        : db.transaction([LOGS, DELTAS], mode);
    } catch (error) {
      throw storageError(error as DOMException, 'transaction');
    }
  }
}

function emptyLog(doc: string): LogRecord {
  return { doc, lastSeq: 0, snapshotSeq: 0, snapshot: undefined };
}
