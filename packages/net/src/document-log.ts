import { decode, encode, inspect } from '@nlbd/codec';
import type { Crdt } from '@nlbd/core';
import type { StorageAdapter, StoredDocument } from '@nlbd/store';

/** The CRDT type tag of a stored document, read from the envelope of its first record. */
function storedType(stored: StoredDocument): string | undefined {
  const first = stored.snapshot ?? stored.deltas[0]?.bytes;
  return first === undefined ? undefined : inspect(first).tag;
}

/** A stored document holds another CRDT type than the one asked for. */
export class TypeMismatch extends Error {
  constructor(
    readonly doc: string,
    readonly stored: string,
  ) {
    super(`document '${doc}' holds a ${stored}`);
  }
}

/**
 * One document's durable history in a {@link StorageAdapter}: its state is the snapshot joined
 * with every delta appended after it. Each change is appended as an encoded delta; every
 * `compactEvery` appends the current state replaces the log up to the last resolved append.
 */
export class DocumentLog<S> {
  readonly #store: StorageAdapter;
  readonly #name: string;
  readonly #crdt: Crdt<S, unknown>;
  readonly #compactEvery: number;
  readonly #onCompactError: (error: unknown) => void;
  #state: () => S = () => this.#crdt.empty();
  #appendsSinceCompact = 0;
  #compacting = false;
  #inFlight = new Set<Promise<unknown>>();

  private constructor(
    store: StorageAdapter,
    name: string,
    crdt: Crdt<S, unknown>,
    compactEvery: number,
    onCompactError: (error: unknown) => void,
  ) {
    this.#store = store;
    this.#name = name;
    this.#crdt = crdt;
    this.#compactEvery = compactEvery;
    this.#onCompactError = onCompactError;
  }

  /**
   * Loads `name` as a `crdt`: the log and the state it holds. A document stored with another type
   * is a {@link TypeMismatch}; undecodable records reject with their `DecodeError`.
   */
  static async open<S>(
    store: StorageAdapter,
    name: string,
    crdt: Crdt<S, unknown>,
    compactEvery: number,
    onCompactError: (error: unknown) => void,
  ): Promise<{ log: DocumentLog<S>; state: S }> {
    const stored = await store.load(name);
    const type = storedType(stored);
    if (type !== undefined && type !== crdt.type) throw new TypeMismatch(name, type);
    const state = stored.snapshot === undefined ? crdt.empty() : decode(crdt, stored.snapshot);
    for (const { bytes } of stored.deltas) crdt.joinInto(state, decode(crdt, bytes));
    const log = new DocumentLog(store, name, crdt, compactEvery, onCompactError);
    log.#appendsSinceCompact = stored.deltas.length;
    return { log, state };
  }

  /** Where compaction reads the current state from (the document's live replica). */
  follow(state: () => S): void {
    this.#state = state;
  }

  /** Appends a delta; resolves once it is durable. */
  append(delta: S): Promise<void> {
    const done = this.#store.append(this.#name, encode(this.#crdt, delta, { kind: 'delta' })).then((seq) => {
      if (++this.#appendsSinceCompact >= this.#compactEvery) this.#compact(seq);
    });
    return this.#track(done);
  }

  /** Resolves once every append and compaction started so far has settled. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * The current state covers every delta whose append has started, so in particular every delta
   * up to `throughSeq`, whose append has resolved: replacing them by it loses nothing.
   */
  #compact(throughSeq: number): void {
    if (this.#compacting) return;
    this.#compacting = true;
    this.#appendsSinceCompact = 0;
    const snapshot = encode(this.#crdt, this.#state());
    const done = this.#store
      .compact(this.#name, snapshot, throughSeq)
      .catch(this.#onCompactError)
      .finally(() => {
        this.#compacting = false;
      });
    this.#track(done);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inFlight.add(p);
    const forget = () => this.#inFlight.delete(p);
    p.then(forget, forget);
    return p;
  }
}
