import { crc32 } from 'node:zlib';
import { DecodeError } from '@nlbd/core';
import Sqlite from 'better-sqlite3';
import {
  assertBytes,
  assertThroughSeq,
  type DocumentUsage,
  type StorageAdapter,
  type StoredDocument,
} from './adapter.js';
import { assertDocumentName } from './document-name.js';
import { IntegrityError, RecordDecodeError, StorageClosedError } from './errors.js';
import { type ConsistencyCheck, checkConsistency, migrate } from './sqlite-schema.js';

/** Options of {@link SqliteStorage}. */
export interface SqliteStorageOptions {
  /**
   * SQLite's `synchronous` setting. `'full'` (default) syncs the write-ahead log to disk at every
   * append, so an appended delta survives a power loss or an OS crash too. `'normal'` syncs only
   * at checkpoints: a committed append is in the OS's file cache when `append` resolves, which
   * survives a crash or kill of the process (the test suite checks this with SIGKILL) but not of
   * the machine, and appends are several times cheaper.
   */
  readonly synchronous?: 'full' | 'normal';
  /**
   * How the database is checked when opened (default `'quick'`: `PRAGMA quick_check` and the
   * log invariants, linear in the size of the file); `'full'` runs `integrity_check` (also
   * cross-checks indexes); `'none'` skips it.
   */
  readonly check?: ConsistencyCheck;
  /** How long a write waits for another process's write lock, in ms (default 5000). */
  readonly timeout?: number;
}

interface DocumentRow {
  readonly id: number;
  readonly lastSeq: number;
  readonly snapshotSeq: number;
  readonly snapshot: Buffer | null;
  readonly snapshotCrc: number | null;
}

const SQL = {
  document: `SELECT id, last_seq AS lastSeq, snapshot_seq AS snapshotSeq, snapshot, snapshot_crc AS snapshotCrc
             FROM nlbd_documents WHERE name = ?`,
  deltas: 'SELECT seq, bytes, crc FROM nlbd_deltas WHERE doc = ? ORDER BY seq',
  nextSeq: `INSERT INTO nlbd_documents (name, last_seq) VALUES (?, 1)
            ON CONFLICT (name) DO UPDATE SET last_seq = last_seq + 1
            RETURNING id, last_seq AS seq`,
  insertDelta: 'INSERT INTO nlbd_deltas (doc, seq, bytes, crc) VALUES (?, ?, ?, ?)',
  ensureDocument: 'INSERT INTO nlbd_documents (name, last_seq) VALUES (?, 0) ON CONFLICT (name) DO NOTHING',
  setSnapshot: 'UPDATE nlbd_documents SET snapshot = ?, snapshot_crc = ?, snapshot_seq = ? WHERE id = ?',
  dropDeltas: 'DELETE FROM nlbd_deltas WHERE doc = ? AND seq <= ?',
  // A document holds records while it has a snapshot or a delta after it (see `holdsRecords`).
  names: 'SELECT name FROM nlbd_documents WHERE snapshot IS NOT NULL OR last_seq > snapshot_seq',
  // The row stays, for its sequence numbers: the snapshot now covers them all, and is empty.
  clear: `UPDATE nlbd_documents SET snapshot = NULL, snapshot_crc = NULL, snapshot_seq = last_seq
          WHERE name = ? AND (snapshot IS NOT NULL OR last_seq > snapshot_seq)
          RETURNING id`,
  dropAllDeltas: 'DELETE FROM nlbd_deltas WHERE doc = ?',
  usage: `SELECT coalesce(length(m.snapshot), 0) AS snapshotBytes, m.last_seq AS lastSeq,
                 count(d.seq) AS deltas, coalesce(sum(length(d.bytes)), 0) AS deltaBytes
          FROM nlbd_documents m LEFT JOIN nlbd_deltas d ON d.doc = m.id
          WHERE m.name = ? AND (m.snapshot IS NOT NULL OR m.last_seq > m.snapshot_seq)
          GROUP BY m.id`,
} as const;

/**
 * The bytes of a record read back, as a plain `Uint8Array` view (no copy), once their CRC-32
 * matches the one written with them. SQLite does not checksum its pages, and a changed byte can
 * still decode (a different count, a different key): the checksum turns that into an error.
 */
function verified(doc: string, seq: number | undefined, bytes: Buffer, crc: number | null): Uint8Array {
  const actual = crc32(bytes);
  if (actual !== crc) {
    const cause = new DecodeError(`checksum mismatch: CRC-32 ${actual} read, ${crc} written`, 'crc');
    throw new RecordDecodeError(doc, seq, cause);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Whether SQLite said the file is damaged or not a database. */
function isCorruption(error: unknown): error is Error {
  return (
    error instanceof Sqlite.SqliteError &&
    (error.code.startsWith('SQLITE_CORRUPT') || error.code === 'SQLITE_NOTADB')
  );
}

/** Runs `fn`, turning SQLite's corruption errors into {@link IntegrityError}s. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (!isCorruption(error)) throw error;
    const integrity = new IntegrityError(`SQLite reports a damaged database: ${error.message}`);
    integrity.cause = error;
    throw integrity;
  }
}

/** Opens `path` with the pragmas, migrated and checked; closes it again if any of that fails. */
function openDatabase(path: string, options: SqliteStorageOptions): Sqlite.Database {
  const db = new Sqlite(path, { timeout: options.timeout ?? 5000 });
  try {
    guard(() => {
      // WAL: an append writes only the log, readers never block the writer, and a torn write at
      // a crash is an uncommitted frame that recovery discards.
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.pragma('foreign_keys = ON');
      migrate(db);
      checkConsistency(db, options.check ?? 'quick');
    });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The operations of the adapter on an open database, each one transaction of prepared statements. */
function logOf(db: Sqlite.Database) {
  const q = Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)])) as {
    [name in keyof typeof SQL]: Sqlite.Statement;
  };
  return {
    append: db.transaction((doc: string, bytes: Uint8Array): number => {
      const { id, seq } = q.nextSeq.get(doc) as { id: number; seq: number };
      q.insertDelta.run(id, seq, bytes, crc32(bytes));
      return seq;
    }).immediate,
    compact: db.transaction((doc: string, snapshot: Uint8Array, throughSeq: number): void => {
      q.ensureDocument.run(doc);
      const row = q.document.get(doc) as DocumentRow;
      assertThroughSeq(throughSeq, row); // throwing rolls back the new row too
      q.setSnapshot.run(snapshot, crc32(snapshot), throughSeq, row.id);
      q.dropDeltas.run(row.id, throughSeq);
    }).immediate,
    // One read transaction: the snapshot and the deltas after it come from the same commit.
    load: db.transaction((doc: string): StoredDocument => {
      const row = q.document.get(doc) as DocumentRow | undefined;
      if (row === undefined) return { snapshot: undefined, deltas: [] };
      const rows = q.deltas.all(row.id) as { seq: number; bytes: Buffer; crc: number }[];
      return {
        snapshot: row.snapshot === null ? undefined : verified(doc, undefined, row.snapshot, row.snapshotCrc),
        deltas: rows.map(({ seq, bytes, crc }) => ({ seq, bytes: verified(doc, seq, bytes, crc) })),
      };
    }),
    remove: db.transaction((doc: string): boolean => {
      const row = q.clear.get(doc) as { id: number } | undefined;
      if (row !== undefined) q.dropAllDeltas.run(row.id);
      return row !== undefined;
    }).immediate,
    names: (): string[] => (q.names.pluck().all() as string[]).sort(),
    usage: (doc: string): DocumentUsage | undefined => q.usage.get(doc) as DocumentUsage | undefined,
  };
}

/**
 * A crash-safe {@link StorageAdapter} on one SQLite file (`better-sqlite3`), in WAL mode. Each
 * append is one transaction, committed before its promise resolves; a compaction is one
 * transaction too, so a crash leaves either the old snapshot and all its deltas or the new
 * snapshot and the deltas after it. Sequence numbers come from a per-document counter row that
 * only grows, so they are never reused, even after compaction or reopening. Every record is
 * stored with its CRC-32, checked on load ({@link RecordDecodeError} if the bytes changed).
 *
 * Opening migrates an older schema, refuses a newer one ({@link SchemaVersionError}) and checks
 * consistency ({@link IntegrityError}). The nlbd tables are prefixed `nlbd_`, so the file may hold
 * an application's own tables too. Several processes may open one file; SQLite serializes their
 * writes. Layout and reasoning: `docs/storage.md`.
 * @example
 * const storage = new SqliteStorage('replica.db');
 * const doc = await openDocument(storage, 'notes', ORSet);
 * await doc.persist(ORSet.add(doc.state, 'alice', 'milk'));
 * await storage.close();
 */
export class SqliteStorage implements StorageAdapter {
  /** The file this storage was opened on (or `':memory:'`). */
  readonly path: string;
  #db: Sqlite.Database | undefined;
  readonly #log: ReturnType<typeof logOf>;

  /**
   * Opens (creating if needed) the database at `path`; `':memory:'` gives a private in-memory
   * database. Throws a {@link SchemaVersionError} or an {@link IntegrityError} (and closes the
   * file) if the database cannot be used.
   */
  constructor(path: string, options: SqliteStorageOptions = {}) {
    this.path = path;
    this.#db = openDatabase(path, options);
    this.#log = logOf(this.#db);
  }

  async load(doc: string): Promise<StoredDocument> {
    this.#check(doc);
    return guard(() => this.#log.load(doc));
  }

  async append(doc: string, delta: Uint8Array): Promise<number> {
    this.#check(doc);
    assertBytes(delta, 'delta');
    return guard(() => this.#log.append(doc, delta));
  }

  async compact(doc: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    this.#check(doc);
    assertBytes(snapshot, 'snapshot');
    guard(() => this.#log.compact(doc, snapshot, throughSeq));
  }

  async remove(doc: string): Promise<boolean> {
    this.#check(doc);
    return guard(() => this.#log.remove(doc));
  }

  async documents(): Promise<string[]> {
    this.#assertOpen();
    return guard(() => this.#log.names());
  }

  async usage(doc: string): Promise<DocumentUsage | undefined> {
    this.#check(doc);
    return guard(() => this.#log.usage(doc));
  }

  /** Closes the file (checkpointing the WAL into it); idempotent. */
  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
  }

  #assertOpen(): void {
    if (this.#db === undefined) throw new StorageClosedError();
  }

  #check(doc: unknown): void {
    this.#assertOpen();
    assertDocumentName(doc);
  }
}
