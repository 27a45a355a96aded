import {
  assertReplicaId,
  assertSafeCount,
  type Digest,
  DotContext,
  type ReplicaId,
  safeAdd,
  VersionVector,
} from '@nlbd/core';
import { Replica, type ReplicaOptions } from './replica.js';

/**
 * A grow-only counter's state: each replica's own running total. Replicas only ever raise their
 * own entry, so the join is the pointwise maximum. Entries are safe integers ≥ 1.
 */
export type GCounterState = Map<ReplicaId, number>;

/**
 * Sums the per-replica totals of `s`, or throws an `OverflowError` when the exact sum passes
 * `Number.MAX_SAFE_INTEGER`.
 */
export function sumCounts(s: ReadonlyMap<ReplicaId, number>, path: string): number {
  let sum = 0;
  for (const n of s.values()) sum = safeAdd(sum, n, path);
  return sum;
}

/** The part of per-replica totals `s` that the summary `seen` lacks (entries above `seen`'s). */
export function countsSince<T>(
  s: ReadonlyMap<ReplicaId, T>,
  seen: DotContext,
  total: (t: T) => number,
): Map<ReplicaId, T> {
  const out = new Map<ReplicaId, T>();
  for (const [r, t] of s) if (total(t) > DotContext.max(seen, r)) out.set(r, t);
  return out;
}

/**
 * G-Counter: a counter that only goes up. Value: the sum of every replica's total.
 * Concurrent case: if alice adds 2 while bob adds 3, both see 5 after syncing.
 * @example
 * let s = GCounter.empty();
 * const d = GCounter.increment(s, 'alice', 2); // delta: alice → 2
 * GCounter.joinInto(s, d);
 * GCounter.value(s); // 2
 */
export const GCounter = {
  type: 'gcounter',
  empty: (): GCounterState => new Map(),
  join(a: GCounterState, b: GCounterState): GCounterState {
    const out = new Map(a);
    VersionVector.mergeInto(out, b);
    return out;
  },
  joinInto: (target: GCounterState, source: GCounterState): boolean =>
    VersionVector.mergeInto(target, source),
  leq: (a: GCounterState, b: GCounterState): boolean => VersionVector.leq(a, b),
  equals: (a: GCounterState, b: GCounterState): boolean => VersionVector.equals(a, b),
  value: (s: GCounterState): number => sumCounts(s, 'gcounter.value'),
  digest: (s: GCounterState): Digest => ({ seen: DotContext.from(s) }),
  deltaSince: (s: GCounterState, d: Digest): GCounterState => countsSince(s, d.seen, (n) => n),
  clone: (s: GCounterState): GCounterState => new Map(s),

  /**
   * The delta that adds `n` (a safe integer ≥ 0, default 1) to `replica`'s total. Throws
   * `OverflowError` if the replica's total or the counter's value would pass the safe range.
   */
  increment(s: GCounterState, replica: ReplicaId, n = 1): GCounterState {
    assertReplicaId(replica, 'increment.replica');
    assertSafeCount(n, 'increment.n');
    safeAdd(GCounter.value(s), n, 'increment.n');
    if (n === 0) return new Map();
    return new Map([[replica, safeAdd(s.get(replica) ?? 0, n, 'increment.n')]]);
  },
} as const;

/**
 * A replica of a {@link GCounter}.
 * @example
 * const c = new GCounterReplica('alice');
 * c.increment(3);
 * c.value; // 3
 */
export class GCounterReplica extends Replica<GCounterState, number> {
  constructor(id: ReplicaId, options: ReplicaOptions<GCounterState> = {}) {
    super(GCounter, id, options);
  }
  /** Adds `n` (default 1); returns the delta. */
  increment(n = 1): GCounterState {
    return this.applyLocal(GCounter.increment(this.state, this.id, n));
  }
}
