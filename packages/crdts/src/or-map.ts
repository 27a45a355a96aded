import {
  assertReplicaId,
  type Crdt,
  DotContext,
  HybridLogicalClock,
  type ReplicaId,
  type Timestamp,
} from '@nlbd/core';
import {
  type Causal,
  causalLattice,
  contextOf,
  type DotFun,
  type DotMap,
  type DotStore,
  type DotValue,
  dotFunStore,
  dotMapStore,
  dotsOf,
  keysTouchedBy,
} from './causal.js';
import { type Key, loadKey, type StoredKey, storeKey } from './key.js';
import { Replica, type ReplicaOptions } from './replica.js';
import { checkTimestamps } from './timestamps.js';

/** A CRDT type whose state is a dot store with a context: it can share an OR-Map's context. */
export interface CausalCrdt<T, V> extends Crdt<Causal<T>, V> {
  readonly store: DotStore<T>;
}

/**
 * How an OR-Map keeps a value of a type that has no dots of its own (counters, G-Set, LWW
 * types): one entry per update not yet overwritten or removed, holding the update's dot and the
 * whole value its writer saw after it. The key's value is the join of its entries' values.
 * Invariant: a dot's value never changes, so a replica that has seen the dot has the value
 * (which keeps `join` associative and `deltaSince` exact; a single joined value per key did not).
 */
export type Presence<S> = DotFun<S>;

/** The value a presence entry list stands for: the join of its values (bottom if none). */
function joinValues<S>(crdt: Crdt<S, unknown>, entries: Presence<S> | undefined): S {
  if (entries === undefined || entries.length === 0) return crdt.empty();
  let out = crdt.clone((entries[0] as DotValue<S>).value);
  for (let i = 1; i < entries.length; i++) out = crdt.join(out, (entries[i] as DotValue<S>).value);
  return out;
}

/** Whether a type's state is a dot store that can share a context. */
function isCausal(crdt: Crdt<unknown, unknown>): crdt is CausalCrdt<unknown, unknown> {
  return 'store' in crdt && typeof (crdt as { store?: unknown }).store === 'object';
}

/** An OR-Map over values of type `S` (as the update function sees them) showing `V`. */
export interface ORMapType<S, V> extends CausalCrdt<DotMap<StoredKey, unknown>, Map<Key, V>> {
  /** The type of every value in this map. */
  readonly valueType: Crdt<S, V>;
  /** Whether values share the map's causal context (dot-store types) or carry presence dots. */
  readonly nestedCausal: boolean;
  /** The dot store holding one key's value (the value type's, or presence dots around it). */
  readonly valueStore: DotStore<unknown>;
  /** The current state of the value under `key` (bottom if absent), for reading or mutators. */
  get(s: ORMapState, key: Key): S;
  /** Whether `key` is present. */
  has(s: ORMapState, key: Key): boolean;
  /**
   * The delta applying `fn` to the value under `key`: `fn` gets the value's current state (for
   * dot-store types, one that shares the map's context) and returns a delta of the value's type,
   * made by that type's mutators.
   */
  update(s: ORMapState, replica: ReplicaId, key: Key, fn: (value: S) => S): ORMapState;
  /** The delta removing `key`: everything under it that this replica has seen. */
  remove(s: ORMapState, key: Key): ORMapState;
}

/** An OR-Map's state: a dot map from keys to the values' stores, and one shared context. */
export type ORMapState = Causal<DotMap<StoredKey, unknown>>;

const cache = new WeakMap<object, ORMapType<unknown, unknown>>();

/**
 * OR-Map: a map whose values are CRDTs of one type (any nlbd type, nested to any depth).
 * Updates to one key merge by the value type's join; removing a key removes what the remover
 * has seen. For dot-store values (OR-Set, MV-Register, EW-Flag, OR-Map) a concurrent update
 * survives alone. For values without dots (counters, G-Set, LWW types) each update carries the
 * whole value its writer saw (see {@link Presence}): a concurrent update survives with that value,
 * and an update after a removal starts again from bottom.
 * Concurrent case: alice removes key `list` while bob adds `eggs` to the OR-Set under it: `list`
 * stays, holding only `eggs`.
 * @example
 * const Todo = ORMap.of(ORSet);
 * const s = Todo.empty();
 * Todo.joinInto(s, Todo.update(s, 'alice', 'list', (set) => ORSet.add(set, 'alice', 'milk')));
 * Todo.value(s); // Map { 'list' → Set { 'milk' } }
 */
export const ORMap = {
  /** The OR-Map type whose values are of type `valueType` (one descriptor per value type). */
  of<S, V>(valueType: Crdt<S, V>): ORMapType<S, V> {
    const hit = cache.get(valueType);
    if (hit !== undefined) return hit as ORMapType<S, V>;
    const causal = isCausal(valueType);
    const inner: DotStore<unknown> = causal
      ? (valueType as CausalCrdt<unknown, unknown>).store
      : (dotFunStore<S>((a, b) => valueType.equals(a, b)) as DotStore<unknown>);
    const store = dotMapStore<StoredKey, unknown>(inner);
    const lattice = causalLattice(store);
    const viewOf = (s: ORMapState, k: StoredKey): S => {
      const nested = s.store.get(k);
      if (causal) return { store: nested ?? inner.empty(), context: s.context } as S;
      return joinValues(valueType, nested as Presence<S> | undefined);
    };
    const type: ORMapType<S, V> = {
      type: `ormap<${valueType.type}>`,
      ...lattice,
      store,
      valueType,
      nestedCausal: causal,
      valueStore: inner,
      value(s) {
        const out = new Map<Key, V>();
        for (const k of s.store.keys()) out.set(loadKey(k), valueType.value(viewOf(s, k)));
        return out;
      },
      get: (s, key) => viewOf(s, storeKey(key, 'key')),
      has: (s, key) => s.store.has(storeKey(key, 'key')),
      update(s, replica, key, fn) {
        assertReplicaId(replica, 'update.replica');
        const k = storeKey(key, 'update.key');
        const view = viewOf(s, k);
        const delta = fn(view);
        if (causal) {
          const d = delta as Causal<unknown>;
          const deltaStore = new Map<StoredKey, unknown>();
          if (!inner.isEmpty(d.store)) deltaStore.set(k, d.store);
          return { store: deltaStore, context: DotContext.clone(d.context) };
        }
        const dot = { replica, counter: DotContext.max(s.context, replica) + 1 };
        const current = (s.store.get(k) as Presence<S> | undefined) ?? [];
        // The entry carries the whole value, so it can replace every entry it has seen.
        const entry: DotValue<S> = { dot, value: valueType.join(view, delta) };
        return {
          store: new Map([[k, [entry]]]),
          context: contextOf([dot, ...current.map((e) => e.dot)]),
        };
      },
      remove(s, key) {
        const nested = s.store.get(storeKey(key, 'remove.key'));
        return { store: new Map(), context: contextOf(nested === undefined ? [] : dotsOf(inner, nested)) };
      },
    };
    cache.set(valueType, type as ORMapType<unknown, unknown>);
    return type;
  },
} as const;

/** Options of an {@link ORMapReplica}. */
export interface ORMapReplicaOptions extends ReplicaOptions<ORMapState> {
  /** A clock for nested LWW values (passed to `update` functions); new by default. */
  readonly clock?: HybridLogicalClock;
}

/**
 * A replica of an OR-Map type made by {@link ORMap.of}.
 * @example
 * const todo = new ORMapReplica(ORMap.of(ORSet), 'alice');
 * todo.update('list', (set, id) => ORSet.add(set, id, 'milk'));
 * todo.value; // Map { 'list' → Set { 'milk' } }
 */
export class ORMapReplica<S, V> extends Replica<ORMapState, Map<Key, V>> {
  /** The OR-Map type. */
  readonly type: ORMapType<S, V>;
  /** A clock for nested LWW values, owned by this replica. */
  readonly clock: HybridLogicalClock;
  #latest: Timestamp | undefined;

  constructor(type: ORMapType<S, V>, id: ReplicaId, options: ORMapReplicaOptions = {}) {
    super(type, id, options);
    this.type = type;
    this.clock = options.clock ?? new HybridLogicalClock(id);
  }
  /**
   * Applies `fn` to the value under `key`; `fn` returns a delta of the value's type, made with
   * that type's mutators (it gets this replica's id and clock). Returns the map delta.
   */
  update(key: Key, fn: (value: S, replica: ReplicaId, clock: HybridLogicalClock) => S): ORMapState {
    return this.applyLocal(this.type.update(this.state, this.id, key, (v) => fn(v, this.id, this.clock)));
  }
  /** Removes `key` (what this replica has seen under it); returns the delta. */
  remove(key: Key): ORMapState {
    return this.applyLocal(this.type.remove(this.state, key));
  }
  /** The state of the value under `key` (bottom if absent). */
  get(key: Key): S {
    return this.type.get(this.state, key);
  }
  /** Whether `key` is present. */
  has(key: Key): boolean {
    return this.type.has(this.state, key);
  }
  /** Nested LWW timestamps are vetted like an LWW-Map's (malformed or too far ahead: refused). */
  protected override checkIncoming(incoming: ORMapState): void {
    this.#latest = checkTimestamps(this.type, incoming, this.clock);
  }
  protected override afterMerge(): void {
    if (this.#latest !== undefined && this.#latest.replica !== this.id) this.clock.receive(this.#latest);
  }
  protected override touchedKeys(delta: ORMapState): Key[] {
    return keysTouchedBy(this.type.valueStore, this.state.store, delta).map(loadKey);
  }
}
