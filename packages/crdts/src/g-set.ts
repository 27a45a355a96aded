import { assertReplicaId, compareDots, type Digest, type Dot, DotContext, type ReplicaId } from '@nlbd/core';
import { type Key, loadKey, type StoredKey, storeKey } from './key.js';
import { Replica, type ReplicaOptions } from './replica.js';

/**
 * A G-Set's state: each element with the least dot that added it, and the context of every add
 * reflected. Dots are what make its digest a compact version vector rather than the elements.
 * Invariant: every element's dot is in `context`.
 */
export interface GSetState {
  readonly elements: Map<StoredKey, Dot>;
  readonly context: DotContext;
}

/**
 * G-Set: a grow-only set. Adds are never undone; concurrent adds of one element merge into one.
 * @example
 * const s = GSet.empty();
 * GSet.joinInto(s, GSet.add(s, 'alice', 'milk'));
 * GSet.has(s, 'milk'); // true
 */
export const GSet = {
  type: 'gset',
  empty: (): GSetState => ({ elements: new Map(), context: DotContext.empty() }),
  join(a: GSetState, b: GSetState): GSetState {
    const out = GSet.clone(a);
    GSet.joinInto(out, b);
    return out;
  },
  joinInto(target: GSetState, source: GSetState): boolean {
    let changed = DotContext.joinInto(target.context, source.context);
    for (const [e, dot] of source.elements) {
      const cur = target.elements.get(e);
      if (cur === undefined || compareDots(dot, cur) < 0) {
        target.elements.set(e, dot);
        changed = true;
      }
    }
    return changed;
  },
  leq(a: GSetState, b: GSetState): boolean {
    if (!DotContext.leq(a.context, b.context)) return false;
    for (const [e, dot] of a.elements) {
      const o = b.elements.get(e);
      if (o === undefined || compareDots(o, dot) > 0) return false;
    }
    return true;
  },
  equals: (a: GSetState, b: GSetState): boolean =>
    a.elements.size === b.elements.size && GSet.leq(a, b) && GSet.leq(b, a),
  /** The elements, as a `Set` (byte elements come back as fresh `Uint8Array`s). */
  value: (s: GSetState): Set<Key> => new Set([...s.elements.keys()].map(loadKey)),
  digest: (s: GSetState): Digest => ({ seen: DotContext.clone(s.context) }),
  /**
   * The elements whose add the digest lacks, with the context of exactly the adds it lacks, never
   * the whole context: a peer that lost its state and is answered for an older digest of its own
   * would otherwise record adds it no longer holds (as `LWWMap.deltaSince`).
   */
  deltaSince(s: GSetState, d: Digest): GSetState {
    const elements = new Map<StoredKey, Dot>();
    for (const [e, dot] of s.elements) if (!DotContext.has(d.seen, dot)) elements.set(e, dot);
    return { elements, context: DotContext.subtract(s.context, d.seen) };
  },
  clone: (s: GSetState): GSetState => ({
    elements: new Map(s.elements),
    context: DotContext.clone(s.context),
  }),

  /** Whether `element` is in the set. */
  has: (s: GSetState, element: Key): boolean => s.elements.has(storeKey(element, 'element')),

  /** The delta adding `element`; empty if it is already there. */
  add(s: GSetState, replica: ReplicaId, element: Key): GSetState {
    assertReplicaId(replica, 'add.replica');
    const e = storeKey(element, 'add.element');
    if (s.elements.has(e)) return GSet.empty();
    const dot = { replica, counter: DotContext.max(s.context, replica) + 1 };
    return { elements: new Map([[e, dot]]), context: DotContext.from(new Map(), [dot]) };
  },
} as const;

/**
 * A replica of a {@link GSet}.
 * @example
 * const s = new GSetReplica('alice');
 * s.add('milk');
 * s.has('milk'); // true
 */
export class GSetReplica extends Replica<GSetState, Set<Key>> {
  constructor(id: ReplicaId, options: ReplicaOptions<GSetState> = {}) {
    super(GSet, id, options);
  }
  /** Adds `element`; returns the delta. */
  add(element: Key): GSetState {
    return this.applyLocal(GSet.add(this.state, this.id, element));
  }
  /** Whether `element` is in the set. */
  has(element: Key): boolean {
    return GSet.has(this.state, element);
  }
  protected override touchedKeys(delta: GSetState): Key[] {
    return [...delta.elements.keys()].map(loadKey);
  }
}
