import { DecodeError, NlbdError } from '@nlbd/core';

/**
 * The base of the errors a storage adapter throws about the storage itself (not about its
 * arguments, which are `ValidationError`s). Catch it to tell "the store is unusable" apart.
 */
export class StorageError extends NlbdError {}

/** A call on a {@link StorageAdapter} after its `close`. Nothing was read or written. */
export class StorageClosedError extends StorageError {
  constructor() {
    super('storage-closed', 'the storage is closed');
  }
}

/**
 * The database was written by a newer version of `@nlbd/store` (its schema version is above
 * {@link SQLITE_SCHEMA_VERSION}, or {@link INDEXEDDB_SCHEMA_VERSION} for IndexedDB). It was left
 * untouched; open it with that newer version.
 */
export class SchemaVersionError extends StorageError {
  /** The schema version found in the database. */
  readonly found: number;
  /** The newest schema version this package reads and writes. */
  readonly supported: number;

  constructor(found: number, supported: number) {
    super(
      'schema-version',
      `the database has schema version ${found}, newer than ${supported}: open it with a newer @nlbd/store`,
    );
    this.found = found;
    this.supported = supported;
  }
}

/**
 * The database failed its consistency check, or is not a SQLite database at all, or SQLite
 * reported corruption while reading it. Nothing was written; restore the file from a backup or
 * rebuild the documents from another replica.
 */
export class IntegrityError extends StorageError {
  constructor(message: string) {
    super('integrity', message);
  }
}

/**
 * A stored snapshot or delta is unreadable: its bytes changed after they were written (its
 * checksum does not match: {@link SqliteStorage} checks on every load), or it does not decode as
 * the document's type (damaged bytes, or the document was opened with another CRDT type than the
 * one that wrote it). Names the document and the delta's sequence number (`undefined` for the
 * snapshot); `cause` is the underlying `DecodeError`, whose `path` says where it failed. Never a
 * silently wrong state: the document is not loaded.
 */
export class RecordDecodeError extends DecodeError {
  /** The document whose record failed. */
  readonly document: string;
  /** The failing delta's sequence number, or `undefined` when the snapshot failed. */
  readonly seq: number | undefined;

  constructor(document: string, seq: number | undefined, cause: DecodeError) {
    const record = seq === undefined ? 'snapshot' : `delta seq ${seq}`;
    super(`document '${document}', ${record}: ${cause.message}`);
    this.document = document;
    this.seq = seq;
    this.cause = cause;
  }
}
