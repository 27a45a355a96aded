/**
 * The part of `@nlbd/store` with no Node built-ins and no SQLite: the {@link StorageAdapter}
 * contract, {@link openDocument} and the browser's adapter {@link IndexedDbStorage}, for code
 * that must also run in browsers (the sync client). Import it as `@nlbd/store/durable`.
 * @module
 */
export type { DocumentUsage, StorageAdapter, StoredDelta, StoredDocument } from './adapter.js';
export {
  DEFAULT_COMPACT_EVERY,
  type DurableDocument,
  type DurableDocumentOptions,
  openDocument,
} from './durable-document.js';
export { RecordDecodeError } from './errors.js';
export {
  INDEXEDDB_SCHEMA_VERSION,
  IndexedDbStorage,
  type IndexedDbStorageOptions,
} from './indexeddb-storage.js';
