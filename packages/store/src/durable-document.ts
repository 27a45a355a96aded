import { type DecodeLimits, decode, encode } from '@nlbd/codec';
import { type Crdt, DecodeError, ValidationError } from '@nlbd/core';
import type { StorageAdapter, StoredDocument } from './adapter.js';
import { RecordDecodeError } from './errors.js';

/** How many deltas {@link openDocument} lets pile up after a snapshot before compacting. */
export const DEFAULT_COMPACT_EVERY = 100;

/** Options of {@link openDocument}. */
export interface DurableDocumentOptions {
  /**
   * Compact (write a snapshot of the state, drop the deltas it covers) once this many deltas
   * were appended since the last snapshot: a positive integer, or `Infinity` to compact only on
   * {@link DurableDocument.compact}. Default {@link DEFAULT_COMPACT_EVERY}. Loading costs one
   * snapshot decode plus up to this many delta decodes; each compaction costs one encode of the
   * whole state.
   */
  readonly compactEvery?: number;
  /** Limits for decoding the stored bytes (default: the codec's `DEFAULT_LIMITS`). */
  readonly limits?: DecodeLimits;
}

/**
 * One CRDT document kept durable in a {@link StorageAdapter}: its state is the stored snapshot
 * joined with every stored delta, and every delta given to {@link DurableDocument.persist} is
 * appended before it is joined in. Made by {@link openDocument}.
 *
 * Invariants: `state` equals the join of what the storage held at open and of every delta whose
 * `persist` resolved, so it is always a state a reopen would restore (or less, never more); a
 * reopen after any crash gives a state ⊒ the join of every delta whose `persist` resolved.
 * Operations run one at a time, in call order.
 *
 * One writer per document is the intended use. If another writer appends to the same document,
 * the next `persist` notices the gap in sequence numbers and joins the stored log before it may
 * compact, so a compaction never drops a delta it has not joined.
 */
export interface DurableDocument<S, V> {
  /** The document's name in the storage. */
  readonly name: string;
  /** The CRDT type of the document. */
  readonly crdt: Crdt<S, V>;
  /** Where the document is stored. */
  readonly storage: StorageAdapter;
  /** The durable state. Read it or pass it to pure mutators; never mutate it (clone it first). */
  readonly state: S;
  /** The value of {@link DurableDocument.state}. */
  readonly value: V;
  /** The highest sequence number this document has seen (0 if it knows of none). */
  readonly lastSeq: number;
  /** How many deltas the log holds after the snapshot, as far as this document knows. */
  readonly sinceSnapshot: number;
  /**
   * Encodes `delta` (at once: mutating it later changes nothing), appends it, and once the append
   * is durable joins it into the state and resolves with its sequence number; compacts first if
   * that makes `compactEvery` deltas since the snapshot. Rejects if encoding or the append failed
   * (nothing was joined), or if the compaction it triggered failed (the delta is durable and
   * joined; the next `persist` tries the compaction again).
   */
  persist(delta: S): Promise<number>;
  /** Writes a snapshot of the state covering every delta so far, and drops them; a no-op if none. */
  compact(): Promise<void>;
  /** Resolves once every `persist` and `compact` called so far has settled. */
  settled(): Promise<void>;
}

/** Decodes one stored record, naming the document and the record if it fails. */
function decodeRecord<S>(
  crdt: Crdt<S, unknown>,
  name: string,
  seq: number | undefined,
  bytes: Uint8Array,
  limits: DecodeLimits,
): S {
  try {
    return decode(crdt, bytes, { ...limits, kind: seq === undefined ? 'state' : 'delta' });
  } catch (error) {
    if (error instanceof DecodeError) throw new RecordDecodeError(name, seq, error);
    throw error;
  }
}

/** What a load holds, decoded: the join of the snapshot and the deltas. */
interface Restored<S> {
  readonly state: S;
  readonly lastSeq: number;
  readonly sinceSnapshot: number;
}

function restore<S>(crdt: Crdt<S, unknown>, name: string, stored: StoredDocument, limits: DecodeLimits) {
  const { snapshot, deltas } = stored;
  const state = snapshot === undefined ? crdt.empty() : decodeRecord(crdt, name, undefined, snapshot, limits);
  for (const { seq, bytes } of deltas) crdt.joinInto(state, decodeRecord(crdt, name, seq, bytes, limits));
  return { state, lastSeq: deltas.at(-1)?.seq ?? 0, sinceSnapshot: deltas.length } satisfies Restored<S>;
}

function assertCompactEvery(n: number): void {
  if (n === Number.POSITIVE_INFINITY || (Number.isSafeInteger(n) && n >= 1)) return;
  throw new ValidationError(`must be a positive integer or Infinity, got ${String(n)}`, 'compactEvery');
}

class Durable<S, V> implements DurableDocument<S, V> {
  readonly storage: StorageAdapter;
  readonly name: string;
  readonly crdt: Crdt<S, V>;
  readonly #compactEvery: number;
  readonly #limits: DecodeLimits;
  readonly #state: S;
  #lastSeq: number;
  #sinceSnapshot: number;
  /** Settles when the last queued operation has; never rejects. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(
    storage: StorageAdapter,
    name: string,
    crdt: Crdt<S, V>,
    restored: Restored<S>,
    options: DurableDocumentOptions,
  ) {
    this.storage = storage;
    this.name = name;
    this.crdt = crdt;
    this.#compactEvery = options.compactEvery ?? DEFAULT_COMPACT_EVERY;
    this.#limits = options.limits ?? {};
    this.#state = restored.state;
    this.#lastSeq = restored.lastSeq;
    this.#sinceSnapshot = restored.sinceSnapshot;
  }

  get state(): S {
    return this.#state;
  }

  get value(): V {
    return this.crdt.value(this.#state);
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get sinceSnapshot(): number {
    return this.#sinceSnapshot;
  }

  persist(delta: S): Promise<number> {
    let bytes: Uint8Array;
    let copy: S;
    try {
      bytes = encode(this.crdt, delta, { kind: 'delta' });
      // Joined later: a copy, so neither the caller nor this state can alias the other's parts.
      copy = this.crdt.clone(delta);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue(async () => {
      const seq = await this.storage.append(this.name, bytes);
      this.crdt.joinInto(this.#state, copy);
      if (seq === this.#lastSeq + 1) {
        this.#lastSeq = seq;
        this.#sinceSnapshot++;
      } else {
        await this.#catchUp(seq); // a gap: the log holds deltas this state may lack
      }
      if (this.#sinceSnapshot >= this.#compactEvery) await this.#compactNow();
      return seq;
    });
  }

  compact(): Promise<void> {
    return this.#enqueue(() => this.#compactNow());
  }

  async settled(): Promise<void> {
    await this.#tail;
  }

  async #compactNow(): Promise<void> {
    if (this.#sinceSnapshot === 0) return;
    await this.storage.compact(this.name, encode(this.crdt, this.#state), this.#lastSeq);
    this.#sinceSnapshot = 0;
  }

  /** Joins everything stored (which holds `seq`), after another writer's appends. */
  async #catchUp(seq: number): Promise<void> {
    const stored = restore(this.crdt, this.name, await this.storage.load(this.name), this.#limits);
    this.crdt.joinInto(this.#state, stored.state);
    this.#lastSeq = Math.max(seq, stored.lastSeq);
    this.#sinceSnapshot = stored.sinceSnapshot;
  }

  #enqueue<T>(op: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(op);
    this.#tail = result.catch(() => {});
    return result;
  }
}

/**
 * Opens the document `name` of type `crdt` in `storage`: loads it (decoding the snapshot and
 * joining every delta after it) and returns a {@link DurableDocument} that persists deltas and
 * compacts every `compactEvery` of them. A stored record that does not decode is a
 * {@link RecordDecodeError} naming the document and the sequence number, never a wrong state.
 * A document never written opens empty.
 * @example
 * const storage = new SqliteStorage('replica.db');
 * const doc = await openDocument(storage, 'groceries', ORSet, { compactEvery: 500 });
 * await doc.persist(ORSet.add(doc.state, 'alice', 'milk'));
 * doc.value; // Set { 'milk' }
 * // With a sync node: every change is durable before it is acknowledged.
 * const node = new SyncNode({ crdt: ORSet, transport, codec, state: doc.state, persist: (d) => doc.persist(d) });
 */
export async function openDocument<S, V>(
  storage: StorageAdapter,
  name: string,
  crdt: Crdt<S, V>,
  options: DurableDocumentOptions = {},
): Promise<DurableDocument<S, V>> {
  assertCompactEvery(options.compactEvery ?? DEFAULT_COMPACT_EVERY);
  const restored = restore(crdt, name, await storage.load(name), options.limits ?? {});
  return new Durable(storage, name, crdt, restored, options);
}
