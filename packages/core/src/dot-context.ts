import { compareDots, type Dot } from './dot.js';
import { OverflowError } from './errors.js';
import type { ReplicaId } from './replica-id.js';
import { VersionVector } from './version-vector.js';

/**
 * A compact set of dots (the causal context of Almeida et al., §5): a version vector for the
 * contiguous prefix of each replica's events, plus a dot cloud for events seen out of order.
 *
 * Invariant (kept by every function here): compact, i.e. no cloud dot of `r` is ≤ `vv(r) + 1`,
 * and no replica has an empty cloud set. So two contexts hold the same dots iff they are `equals`.
 */
export interface DotContext {
  /** The contiguous prefix: for each replica `r`, the dots `1..vv(r)` are all held. */
  readonly vv: VersionVector;
  /** Counters held beyond the prefix, per replica: each is greater than `vv(r) + 1`. */
  readonly cloud: Map<ReplicaId, Set<number>>;
}

function compactReplica(ctx: DotContext, replica: ReplicaId): void {
  const dots = ctx.cloud.get(replica);
  if (dots === undefined) return;
  let top = ctx.vv.get(replica) ?? 0;
  for (const c of dots) if (c <= top) dots.delete(c);
  while (dots.delete(top + 1)) top++;
  if (top > 0) ctx.vv.set(replica, top);
  if (dots.size === 0) ctx.cloud.delete(replica);
}

/**
 * Functions over {@link DotContext}. Those that mutate say so; the rest are pure.
 * Laws: `join` is commutative, associative, idempotent; `has(join(a, b), d)` iff
 * `has(a, d) || has(b, d)`; `compact` never changes which dots are held.
 * @example
 * const ctx = DotContext.empty();
 * DotContext.add(ctx, { replica: 'a', counter: 2 }); // out of order: goes to the cloud
 * DotContext.add(ctx, { replica: 'a', counter: 1 }); // now 1..2 is contiguous: vv a → 2
 * DotContext.next(ctx, 'a');                         // { replica: 'a', counter: 3 }
 */
export const DotContext = {
  /** The empty context: no dots. */
  empty(): DotContext {
    return { vv: new Map(), cloud: new Map() };
  },

  /** The context holding exactly `vv`'s dots and the `dots` given (copied, then compacted). */
  from(vv: VersionVector, dots: Iterable<Dot> = []): DotContext {
    const ctx: DotContext = { vv: new Map(vv), cloud: new Map() };
    for (const dot of dots) DotContext.add(ctx, dot);
    return ctx;
  },

  /** Whether `dot` is in the context. */
  has(ctx: DotContext, dot: Dot): boolean {
    return (
      dot.counter <= (ctx.vv.get(dot.replica) ?? 0) || (ctx.cloud.get(dot.replica)?.has(dot.counter) ?? false)
    );
  },

  /** Whether the dot `(replica, counter)` is in the context, without allocating a {@link Dot}. */
  hasEvent(ctx: DotContext, replica: ReplicaId, counter: number): boolean {
    return counter <= (ctx.vv.get(replica) ?? 0) || (ctx.cloud.get(replica)?.has(counter) ?? false);
  },

  /** Mutates `ctx`: adds `dot`, keeping the context compact. Returns whether it was new. */
  add(ctx: DotContext, dot: Dot): boolean {
    return DotContext.addEvent(ctx, dot.replica, dot.counter);
  },

  /** {@link DotContext.add} for the dot `(replica, counter)`. */
  addEvent(ctx: DotContext, replica: ReplicaId, counter: number): boolean {
    const top = ctx.vv.get(replica) ?? 0;
    if (counter <= top) return false;
    if (counter === top + 1) {
      ctx.vv.set(replica, counter);
      compactReplica(ctx, replica);
      return true;
    }
    let dots = ctx.cloud.get(replica);
    if (dots === undefined) ctx.cloud.set(replica, (dots = new Set()));
    if (dots.has(counter)) return false;
    dots.add(counter);
    return true;
  },

  /**
   * Mutates `ctx`: makes and adds a fresh dot for `replica`, greater than every dot of that
   * replica already held (cloud included), and adds nothing else: gaps below it stay unheld,
   * since claiming an unseen dot would make a replica ignore the update it names.
   * Throws {@link OverflowError} past the safe range, leaving `ctx` unchanged.
   */
  next(ctx: DotContext, replica: ReplicaId): Dot {
    const counter = DotContext.max(ctx, replica) + 1;
    if (!Number.isSafeInteger(counter)) {
      throw new OverflowError(`event counter of '${replica}' exceeds Number.MAX_SAFE_INTEGER`, 'dotContext');
    }
    DotContext.addEvent(ctx, replica, counter);
    return { replica, counter };
  },

  /** The highest counter of `replica` in the context (0 if none). */
  max(ctx: DotContext, replica: ReplicaId): number {
    let top = ctx.vv.get(replica) ?? 0;
    const beyond = ctx.cloud.get(replica);
    if (beyond !== undefined) for (const c of beyond) if (c > top) top = c;
    return top;
  },

  /** Union of the two contexts. */
  join(a: DotContext, b: DotContext): DotContext {
    const out = DotContext.clone(a);
    DotContext.joinInto(out, b);
    return out;
  },

  /** Mutates `target` to `join(target, source)`; returns whether it changed. */
  joinInto(target: DotContext, source: DotContext): boolean {
    let changed = false;
    for (const [replica, count] of source.vv) {
      if (count > (target.vv.get(replica) ?? 0)) {
        target.vv.set(replica, count);
        changed = true;
        compactReplica(target, replica);
      }
    }
    for (const [replica, dots] of source.cloud) {
      for (const c of dots) if (DotContext.addEvent(target, replica, c)) changed = true;
    }
    return changed;
  },

  /** The dots of `a` that are not in `b`, as a context (its own prefix is empty where `b` has one). */
  subtract(a: DotContext, b: DotContext): DotContext {
    const out = DotContext.empty();
    for (const [replica, count] of a.vv) {
      const top = b.vv.get(replica) ?? 0;
      // `b` has none of the replica's dots: all of `a`'s prefix is missing, and stays a prefix.
      if (top === 0 && !b.cloud.has(replica)) {
        if (count > 0) out.vv.set(replica, count);
        continue;
      }
      for (let c = top + 1; c <= count; c++) {
        if (!DotContext.hasEvent(b, replica, c)) DotContext.addEvent(out, replica, c);
      }
    }
    for (const [replica, dots] of a.cloud) {
      for (const c of dots) if (!DotContext.hasEvent(b, replica, c)) DotContext.addEvent(out, replica, c);
    }
    return out;
  },

  /** `a ⊆ b`. */
  leq(a: DotContext, b: DotContext): boolean {
    for (const [replica, count] of a.vv) {
      const top = b.vv.get(replica) ?? 0;
      if (count <= top) continue;
      const cloud = b.cloud.get(replica);
      if (cloud === undefined) return false;
      for (let c = top + 1; c <= count; c++) if (!cloud.has(c)) return false;
    }
    for (const [replica, dots] of a.cloud) {
      for (const c of dots) if (!DotContext.hasEvent(b, replica, c)) return false;
    }
    return true;
  },

  /** Whether both hold the same dots (by the compactness invariant, a structural comparison). */
  equals(a: DotContext, b: DotContext): boolean {
    if (!VersionVector.equals(a.vv, b.vv) || a.cloud.size !== b.cloud.size) return false;
    for (const [replica, dots] of a.cloud) {
      const other = b.cloud.get(replica);
      if (other === undefined || other.size !== dots.size) return false;
      for (const c of dots) if (!other.has(c)) return false;
    }
    return true;
  },

  /** Mutates `ctx` into compact form: cloud dots that became contiguous move into the vector. */
  compact(ctx: DotContext): DotContext {
    for (const replica of [...ctx.cloud.keys()]) compactReplica(ctx, replica);
    return ctx;
  },

  /** Whether the context holds no dot. */
  isEmpty(ctx: DotContext): boolean {
    return ctx.vv.size === 0 && ctx.cloud.size === 0;
  },

  /** The number of dots held. */
  size(ctx: DotContext): number {
    let n = 0;
    for (const count of ctx.vv.values()) n += count;
    for (const dots of ctx.cloud.values()) n += dots.size;
    return n;
  },

  /** The cloud's dots, sorted by replica then counter (deterministic). */
  cloudDots(ctx: DotContext): Dot[] {
    const out: Dot[] = [];
    for (const [replica, dots] of ctx.cloud) for (const counter of dots) out.push({ replica, counter });
    return out.sort(compareDots);
  },

  /** A deep copy. */
  clone(ctx: DotContext): DotContext {
    const cloud = new Map<ReplicaId, Set<number>>();
    for (const [replica, dots] of ctx.cloud) cloud.set(replica, new Set(dots));
    return { vv: new Map(ctx.vv), cloud };
  },
} as const;
