import { assertReplicaId, type Dot, DotContext, type ReplicaId } from '@nlbd/core';
import {
  type Causal,
  causalLattice,
  contextOf,
  type DotMap,
  type DotSet,
  DotSetStore,
  dotMapStore,
  dotsOf,
  keysTouchedBy,
  setInDotMap,
} from './causal.js';
import { type Key, loadKey, type StoredKey, storeKey } from './key.js';
import { Replica, type ReplicaOptions } from './replica.js';

/** An OR-Set's state: each present element with the dots of the adds that keep it; and the context. */
export type ORSetState = Causal<DotMap<StoredKey, DotSet>>;

const store = dotMapStore<StoredKey, DotSet>(DotSetStore);
const lattice = causalLattice(store);

/** `element`'s stored key and the fresh dot an add by `replica` tags it with; errors name `op`. */
function freshAdd(s: ORSetState, replica: ReplicaId, element: Key, op: string): [StoredKey, Dot] {
  assertReplicaId(replica, `${op}.replica`);
  const e = storeKey(element, `${op}.element`);
  return [e, { replica, counter: DotContext.max(s.context, replica) + 1 }];
}

/**
 * OR-Set, add-wins: an add tags the element with a fresh dot; a remove removes only the tags
 * (adds) it has seen. No tombstones: the causal context remembers what was removed.
 * Concurrent case: alice removes `x` while bob adds `x`: `x` stays (bob's add was unseen).
 * @example
 * const s = ORSet.empty();
 * ORSet.joinInto(s, ORSet.add(s, 'alice', 'x'));
 * ORSet.joinInto(s, ORSet.remove(s, 'x'));
 * ORSet.has(s, 'x'); // false
 */
export const ORSet = {
  type: 'orset',
  ...lattice,
  store,
  /** The elements, as a `Set` (byte elements come back as fresh `Uint8Array`s). */
  value: (s: ORSetState): Set<Key> => new Set([...s.store.keys()].map(loadKey)),
  /** Whether `element` is present. */
  has: (s: ORSetState, element: Key): boolean => s.store.has(storeKey(element, 'element')),
  /** The number of elements. */
  size: (s: ORSetState): number => s.store.size,

  /** The delta adding `element` (one fresh dot, replacing the add dots seen so far). */
  add(s: ORSetState, replica: ReplicaId, element: Key): ORSetState {
    const [e, dot] = freshAdd(s, replica, element, 'add');
    return { store: new Map([[e, [dot]]]), context: contextOf([dot, ...(s.store.get(e) ?? [])]) };
  },
  /** The delta removing `element`: its add dots seen so far; empty if absent. */
  remove(s: ORSetState, element: Key): ORSetState {
    const dots = s.store.get(storeKey(element, 'remove.element')) ?? [];
    return { store: new Map(), context: contextOf(dots) };
  },
  /**
   * Mutates `s`: adds `element` in place, leaving `s` as `joinInto(s, add(s, …))` would (its one
   * fresh dot replaces the add dots seen so far), without building the delta. For replicas that
   * sync by digests (`deltaSince`), which never send a mutation's delta.
   */
  addInto(s: ORSetState, replica: ReplicaId, element: Key): void {
    const [e, dot] = freshAdd(s, replica, element, 'addInto');
    DotContext.addEvent(s.context, replica, dot.counter);
    setInDotMap(DotSetStore, s.store, e, [dot]);
  },
  /**
   * Mutates `s`: removes `element` in place, as `joinInto(s, remove(s, …))` would (its add dots
   * are already in the context, so only the element goes).
   */
  removeInto(s: ORSetState, element: Key): void {
    setInDotMap(DotSetStore, s.store, storeKey(element, 'removeInto.element'), []);
  },
  /** The delta removing every element seen so far. */
  clear: (s: ORSetState): ORSetState => ({ store: new Map(), context: contextOf(dotsOf(store, s.store)) }),
} as const;

/**
 * A replica of an {@link ORSet}.
 * @example
 * const s = new ORSetReplica('alice');
 * s.add('x');
 * s.remove('x');
 * s.has('x'); // false
 */
export class ORSetReplica extends Replica<ORSetState, Set<Key>> {
  constructor(id: ReplicaId, options: ReplicaOptions<ORSetState> = {}) {
    super(ORSet, id, options);
  }
  /** Adds `element`; returns the delta. */
  add(element: Key): ORSetState {
    return this.applyLocal(ORSet.add(this.state, this.id, element));
  }
  /** Removes `element` (the adds seen so far); returns the delta. */
  remove(element: Key): ORSetState {
    return this.applyLocal(ORSet.remove(this.state, element));
  }
  /** Removes every element seen so far; returns the delta. */
  clear(): ORSetState {
    return this.applyLocal(ORSet.clear(this.state));
  }
  /** Whether `element` is present. */
  has(element: Key): boolean {
    return ORSet.has(this.state, element);
  }
  protected override touchedKeys(delta: ORSetState): Key[] {
    return keysTouchedBy(DotSetStore, this.state.store, delta).map(loadKey);
  }
}
