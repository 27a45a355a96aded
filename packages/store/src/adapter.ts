import { ValidationError } from '@nlbd/core';

/** One delta of a document's log: its sequence number and its encoded bytes. */
export interface StoredDelta {
  /** The number {@link StorageAdapter.append} returned for it. */
  readonly seq: number;
  /** The bytes as appended. */
  readonly bytes: Uint8Array;
}

/** Where a document's durable history starts after {@link StorageAdapter.load}. */
export interface StoredDocument {
  /** The latest compacted snapshot (an encoded state), if any. */
  readonly snapshot: Uint8Array | undefined;
  /** The deltas appended after that snapshot, in append order, each with its sequence number. */
  readonly deltas: readonly StoredDelta[];
}

/** What one stored document takes up: see {@link StorageAdapter.usage}. */
export interface DocumentUsage {
  /** The bytes of its snapshot (0 without one). */
  readonly snapshotBytes: number;
  /** How many deltas follow the snapshot. */
  readonly deltas: number;
  /** Their bytes in all. */
  readonly deltaBytes: number;
  /** The last sequence number given out for the document. */
  readonly lastSeq: number;
}

/**
 * Whether a document's log holds anything: a snapshot, or a delta after it (every sequence
 * number after the snapshot's, up to the last, is a delta still stored).
 */
export function holdsRecords(log: LogBounds & { readonly snapshot: unknown }): boolean {
  return (log.snapshot !== undefined && log.snapshot !== null) || log.lastSeq > log.snapshotSeq;
}

/**
 * Durable storage of named documents as a snapshot plus a delta log, all as encoded bytes
 * (`@nlbd/codec`); the adapter never looks inside them. Contract every adapter keeps:
 * - once `append` has resolved, the delta is in every later `load`, until a `compact` covers
 *   it; for a persistent adapter ({@link SqliteStorage}) this holds across a crash of the process
 *   and for any adapter later opened on the same storage ({@link MemoryStorage} keeps it only for
 *   its own lifetime);
 * - sequence numbers of one document start at 1, strictly increase in append order and are never
 *   reused, not even after a compaction or a reopen;
 * - `compact(doc, snapshot, throughSeq)` atomically replaces the snapshot and drops the deltas
 *   with `seq <= throughSeq`; deltas appended after `throughSeq` are kept, so no delta whose
 *   append returned is ever lost. `throughSeq` must lie between the current snapshot's
 *   `throughSeq` (0 if none) and the last sequence number given out: a stale compaction would
 *   drop the deltas between, and a snapshot cannot cover deltas not yet appended. Either is a
 *   `ValidationError` that changes nothing;
 * - `remove(doc)` atomically drops the snapshot and every delta: `load` then finds nothing,
 *   `documents` and `usage` leave the document out. Its sequence numbers go on from the last one
 *   given out, so none is reused; and a compaction must still cover them all, so a stale one
 *   (from a writer that loaded the document before the removal) is refused. A writer that still
 *   holds the document's state can store it again by appending or compacting: remove a document
 *   once nothing has it open;
 * - `load` of a document never written returns no snapshot and no deltas; an adapter that can
 *   tell a record's bytes changed since they were written (a checksum) rejects the load with a
 *   {@link RecordDecodeError} naming the document and the sequence number;
 * - document names are checked by {@link assertDocumentName}: a bad one is a `ValidationError`;
 * - after `close` (idempotent) every call rejects with a {@link StorageClosedError}.
 *
 * Bytes given to `append` and `compact` are copied or written before the call returns, and bytes
 * from `load` are the caller's own: mutating either never changes what is stored.
 * @example
 * const storage: StorageAdapter = new MemoryStorage();
 * const seq = await storage.append('notes', encode(ORSet, delta, { kind: 'delta' })); // 1
 * await storage.compact('notes', encode(ORSet, state), seq);
 * await storage.load('notes'); // { snapshot: <bytes>, deltas: [] }
 */
export interface StorageAdapter {
  /** The document's snapshot and the deltas appended after it, in sequence order. */
  load(doc: string): Promise<StoredDocument>;
  /** Appends an encoded delta; resolves with its sequence number once it is durable. */
  append(doc: string, delta: Uint8Array): Promise<number>;
  /** Replaces the snapshot with one covering every delta with `seq <= throughSeq`, and drops those. */
  compact(doc: string, snapshot: Uint8Array, throughSeq: number): Promise<void>;
  /**
   * Drops the document's snapshot and deltas in one step; resolves with whether it held any.
   * Its sequence numbers are not reused (see the contract above).
   */
  remove(doc: string): Promise<boolean>;
  /** The names of the documents stored (holding a snapshot or deltas), sorted. */
  documents(): Promise<string[]>;
  /** What document `doc` takes up, or `undefined` if it holds nothing (never written, or removed). */
  usage(doc: string): Promise<DocumentUsage | undefined>;
  /** Releases the storage; idempotent. */
  close(): Promise<void>;
}

/** Throws a `ValidationError` naming `path` unless `bytes` is a `Uint8Array` (a `Buffer` is one). */
export function assertBytes(bytes: unknown, path: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new ValidationError(`expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`, path);
  }
}

/** The sequence numbers of one document's log that a compaction is checked against. */
export interface LogBounds {
  /** The last sequence number given out (0 if none). */
  readonly lastSeq: number;
  /** The `throughSeq` of the current snapshot (0 if none). */
  readonly snapshotSeq: number;
}

/**
 * Throws a `ValidationError` unless `throughSeq` is an integer in `snapshotSeq..lastSeq`: below,
 * the compaction is stale and would drop deltas the current snapshot does not hold; above, the
 * snapshot would claim deltas not yet appended.
 */
export function assertThroughSeq(throughSeq: unknown, log: LogBounds): asserts throughSeq is number {
  if (typeof throughSeq !== 'number' || !Number.isSafeInteger(throughSeq)) {
    throw new ValidationError(`must be a safe integer, got ${String(throughSeq)}`, 'throughSeq');
  }
  if (throughSeq < log.snapshotSeq) {
    throw new ValidationError(
      `${throughSeq} is below the current snapshot's ${log.snapshotSeq} (a stale compaction)`,
      'throughSeq',
    );
  }
  if (throughSeq > log.lastSeq) {
    throw new ValidationError(`${throughSeq} is past the last sequence number, ${log.lastSeq}`, 'throughSeq');
  }
}
