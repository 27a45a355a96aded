/**
 * Durable nlbd replicas: the {@link StorageAdapter} contract (snapshot + delta log of encoded
 * bytes), with in-memory and SQLite implementations.
 * @module @nlbd/store
 */
export type { StorageAdapter, StoredDocument } from './adapter.js';
