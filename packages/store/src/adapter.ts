/** Where a document's durable history starts after {@link StorageAdapter.load}. */
export interface StoredDocument {
  /** The latest compacted snapshot (an encoded state), if any. */
  readonly snapshot: Uint8Array | undefined;
  /** The deltas appended after that snapshot, in append order, each with its sequence number. */
  readonly deltas: readonly { readonly seq: number; readonly bytes: Uint8Array }[];
}

/**
 * Durable storage of named documents as a snapshot plus a delta log, all as encoded bytes
 * (`@nlbd/codec`). Contract every adapter keeps:
 * - once `append` has returned (its promise resolved), the delta survives a crash of the process;
 * - sequence numbers of one document strictly increase and are never reused;
 * - `compact(doc, snapshot, throughSeq)` atomically replaces the snapshot and drops the deltas
 *   with `seq <= throughSeq`; deltas appended after `throughSeq` are kept, so no delta whose
 *   append returned is ever lost;
 * - `load` of a document never written returns no snapshot and no deltas.
 */
export interface StorageAdapter {
  load(doc: string): Promise<StoredDocument>;
  /** Appends an encoded delta; resolves with its sequence number once it is durable. */
  append(doc: string, delta: Uint8Array): Promise<number>;
  compact(doc: string, snapshot: Uint8Array, throughSeq: number): Promise<void>;
  /** The names of the documents stored. */
  documents(): Promise<string[]>;
  close(): Promise<void>;
}
