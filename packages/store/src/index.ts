/**
 * Durable nlbd replicas: the {@link StorageAdapter} contract (a snapshot plus a delta log of
 * encoded bytes per document), a crash-safe {@link SqliteStorage}, an in-memory
 * {@link MemoryStorage}, and {@link openDocument}, which keeps one CRDT document durable on any
 * of them. Guide: `docs/storage.md`.
 * @module @nlbd/store
 */
export { assertDocumentName, MAX_DOCUMENT_NAME_BYTES } from './document-name.js';
export * from './durable-entry.js';
export { IntegrityError, SchemaVersionError, StorageClosedError, StorageError } from './errors.js';
export { MemoryStorage } from './memory-storage.js';
export { type ConsistencyCheck, SQLITE_SCHEMA_VERSION } from './sqlite-schema.js';
export { SqliteStorage, type SqliteStorageOptions } from './sqlite-storage.js';
