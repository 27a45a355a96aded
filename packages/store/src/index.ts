/**
 * Durable nlbd replicas: the {@link StorageAdapter} contract (a snapshot plus a delta log of
 * encoded bytes per document), a crash-safe {@link SqliteStorage}, an in-memory
 * {@link MemoryStorage}.
 * @module @nlbd/store
 */
export type { StorageAdapter, StoredDelta, StoredDocument } from './adapter.js';
export { assertDocumentName, MAX_DOCUMENT_NAME_BYTES } from './document-name.js';
export {
  IntegrityError,
  SchemaVersionError,
  StorageClosedError,
  StorageError,
} from './errors.js';
export { MemoryStorage } from './memory-storage.js';
export { type ConsistencyCheck, SQLITE_SCHEMA_VERSION } from './sqlite-schema.js';
export { SqliteStorage, type SqliteStorageOptions } from './sqlite-storage.js';
