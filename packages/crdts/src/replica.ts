import { assertReplicaId, type Crdt, type ReplicaId } from '@nlbd/core';
import type { Key } from './key.js';

/** What a {@link Replica} reports after its state changed. */
export interface ChangeEvent<S> {
  /** `'local'` for this replica's own mutators, `'remote'` for {@link Replica.merge}. */
  readonly origin: 'local' | 'remote';
  /** The delta (or state) that was joined in. */
  readonly delta: S;
  /** For map and set types: the keys or elements whose presence or value may have changed. */
  readonly keys?: readonly Key[];
}

/** Options every replica class takes. */
export interface ReplicaOptions<S> {
  /** A state to start from (e.g. restored from storage); it is cloned. */
  readonly state?: S;
}

/**
 * A thin, convenient wrapper over one CRDT type: holds one replica's state, applies its own
 * mutators' deltas, merges what others send, keeps the join of the deltas it produced since the
 * last {@link takeDelta}, and tells listeners what changed. Works in browsers and in Node.
 *
 * Invariant: `state` equals the join of the start state, every local delta and every merged
 * delta; `takeDelta()` returns exactly the join of the local deltas made since the last take.
 */
export class Replica<S, V> {
  /** This replica's id. */
  readonly id: ReplicaId;
  /** The CRDT type. */
  readonly crdt: Crdt<S, V>;
  #state: S;
  #pending: S | undefined;
  readonly #listeners = new Set<(event: ChangeEvent<S>) => void>();

  constructor(crdt: Crdt<S, V>, id: ReplicaId, options: ReplicaOptions<S> = {}) {
    assertReplicaId(id, 'Replica.id');
    this.crdt = crdt;
    this.id = id;
    this.#state = options.state === undefined ? crdt.empty() : crdt.clone(options.state);
  }

  /** The current state. Read it, encode it, send it; never mutate it. */
  get state(): S {
    return this.#state;
  }

  /** What the user sees now. */
  get value(): V {
    return this.crdt.value(this.#state);
  }

  /**
   * Joins a delta or a full state from another replica; returns whether anything changed.
   * Listeners hear of it only if something did.
   */
  merge(deltaOrState: S): boolean {
    this.checkIncoming(deltaOrState);
    const keys = this.#listeners.size > 0 ? this.touchedKeys(deltaOrState) : undefined;
    const changed = this.crdt.joinInto(this.#state, deltaOrState);
    if (changed) this.afterMerge(deltaOrState);
    if (changed) this.#emit({ origin: 'remote', delta: deltaOrState, ...(keys ? { keys } : {}) });
    return changed;
  }

  /**
   * The join of every delta this replica produced since the last call (then forgets them), or
   * `undefined` if there were none. Send it to peers; they `merge` it.
   */
  takeDelta(): S | undefined {
    const delta = this.#pending;
    this.#pending = undefined;
    return delta;
  }

  /**
   * Calls `listener` after every change, local or remote. Returns a function that unsubscribes.
   * @example const stop = replica.onChange((e) => console.log(e.origin, e.keys));
   */
  onChange(listener: (event: ChangeEvent<S>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies a delta made by this replica's own mutator; returns the delta. */
  protected applyLocal(delta: S): S {
    const keys = this.#listeners.size > 0 ? this.touchedKeys(delta) : undefined;
    const changed = this.crdt.joinInto(this.#state, delta);
    if (this.#pending === undefined) this.#pending = this.crdt.clone(delta);
    else this.crdt.joinInto(this.#pending, delta);
    if (changed) this.#emit({ origin: 'local', delta, ...(keys ? { keys } : {}) });
    return delta;
  }

  /** Hook: refuse a remote state before it is merged (throw a typed error). */
  protected checkIncoming(_incoming: S): void {}

  /** Hook: runs after a remote merge changed the state. */
  protected afterMerge(_incoming: S): void {}

  /** Hook: the keys a delta may change (computed before it is joined), for map and set types. */
  protected touchedKeys(_delta: S): Key[] | undefined {
    return undefined;
  }

  #emit(event: ChangeEvent<S>): void {
    if (this.#listeners.size === 0) return;
    for (const listener of this.#listeners) listener(event);
  }
}
