import type { Dot } from './dot.js';
import { OverflowError, ValidationError } from './errors.js';
import { assertReplicaId, type ReplicaId } from './replica-id.js';

/**
 * A version vector: for each replica, how many of its events are known (all of 1..n).
 * Plain data, a `Map` from replica to a safe integer ≥ 1; a replica with no events is absent,
 * never stored as 0, so two equal vectors have equal entries.
 */
export type VersionVector = Map<ReplicaId, number>;

/** How two version vectors relate: exactly one of these holds for any pair. */
export type Ordering = 'equal' | 'before' | 'after' | 'concurrent';

/**
 * Functions over {@link VersionVector}. Pure unless the name ends in `Into` or says it mutates.
 * Laws: `merge` is commutative, associative and idempotent; `leq(a, b)` iff `merge(a, b)` equals
 * `b`; `compare` is antisymmetric (`compare(a,b)` is `before` iff `compare(b,a)` is `after`).
 * @example
 * const a = VersionVector.from([['alice', 2]]);
 * const b = VersionVector.from([['bob', 1]]);
 * VersionVector.compare(a, b); // 'concurrent'
 * VersionVector.merge(a, b);   // Map { alice → 2, bob → 1 }
 */
export const VersionVector = {
  /** The empty vector: nothing known. */
  empty(): VersionVector {
    return new Map();
  },

  /**
   * A vector from `[replica, count]` pairs, validated: replica ids valid, counts safe integers ≥ 0
   * (zero entries are dropped), no replica twice.
   */
  from(entries: Iterable<readonly [ReplicaId, number]>, path: string = 'versionVector'): VersionVector {
    const vv: VersionVector = new Map();
    let i = 0;
    for (const [replica, count] of entries) {
      assertReplicaId(replica, `${path}[${i}].replica`);
      if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) {
        throw new ValidationError(
          `count must be a safe integer ≥ 0, got ${String(count)}`,
          `${path}[${i}].count`,
        );
      }
      if (vv.has(replica)) throw new ValidationError(`replica '${replica}' appears twice`, `${path}[${i}]`);
      if (count > 0) vv.set(replica, count);
      i++;
    }
    return vv;
  },

  /** How many events of `replica` are known (0 if none). */
  get(vv: VersionVector, replica: ReplicaId): number {
    return vv.get(replica) ?? 0;
  },

  /**
   * Mutates `vv`: records the next event of `replica` and returns its dot.
   * Throws {@link OverflowError} (leaving `vv` unchanged) past `Number.MAX_SAFE_INTEGER`.
   */
  increment(vv: VersionVector, replica: ReplicaId): Dot {
    const counter = (vv.get(replica) ?? 0) + 1;
    if (!Number.isSafeInteger(counter)) {
      throw new OverflowError(
        `event counter of '${replica}' exceeds Number.MAX_SAFE_INTEGER`,
        'versionVector',
      );
    }
    vv.set(replica, counter);
    return { replica, counter };
  },

  /** Whether the event `dot` is among those `vv` knows. */
  covers(vv: VersionVector, dot: Dot): boolean {
    return dot.counter <= (vv.get(dot.replica) ?? 0);
  },

  /** The pointwise maximum: everything either knows. */
  merge(a: VersionVector, b: VersionVector): VersionVector {
    const out = new Map(a);
    VersionVector.mergeInto(out, b);
    return out;
  },

  /** Mutates `target` to `merge(target, source)`; returns whether it changed. */
  mergeInto(target: VersionVector, source: VersionVector): boolean {
    let changed = false;
    for (const [replica, count] of source) {
      if (count > (target.get(replica) ?? 0)) {
        target.set(replica, count);
        changed = true;
      }
    }
    return changed;
  },

  /**
   * The pointwise minimum: the events both know. Over the vectors every replica has acknowledged,
   * this is the causally stable prefix (what everyone has seen).
   */
  meet(a: VersionVector, b: VersionVector): VersionVector {
    const out: VersionVector = new Map();
    for (const [replica, count] of a) {
      const min = Math.min(count, b.get(replica) ?? 0);
      if (min > 0) out.set(replica, min);
    }
    return out;
  },

  /** `a ⊑ b`: every event `a` knows, `b` knows. */
  leq(a: VersionVector, b: VersionVector): boolean {
    for (const [replica, count] of a) if (count > (b.get(replica) ?? 0)) return false;
    return true;
  },

  /** Whether both know exactly the same events. */
  equals(a: VersionVector, b: VersionVector): boolean {
    if (a.size !== b.size) return false;
    for (const [replica, count] of a) if (b.get(replica) !== count) return false;
    return true;
  },

  /** The causal relation between the histories `a` and `b` summarise. */
  compare(a: VersionVector, b: VersionVector): Ordering {
    const aLeqB = VersionVector.leq(a, b);
    const bLeqA = VersionVector.leq(b, a);
    if (aLeqB && bLeqA) return 'equal';
    if (aLeqB) return 'before';
    if (bLeqA) return 'after';
    return 'concurrent';
  },

  /** A copy that shares nothing mutable with `vv`. */
  clone(vv: VersionVector): VersionVector {
    return new Map(vv);
  },
} as const;
