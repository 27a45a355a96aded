import type { DotContext } from './dot-context.js';

/**
 * A compact summary of what a state holds, sent by a replica that wants to catch up.
 * `seen` holds every event the state reflects (for counters, each replica's count; for causal
 * types, the causal context). `live` is present for dot-store types (OR-Set, MV-Register,
 * EW-Flag, OR-Map): the dots still present in the state, which is what lets the answering
 * replica tell "you lack this removal" from "you already have this".
 */
export interface Digest {
  /** Every event the summarised state reflects. */
  readonly seen: DotContext;
  /** For dot-store types only: the dots still present (not yet removed) in the state. */
  readonly live?: DotContext;
}

/**
 * The contract every nlbd CRDT type keeps: a join-semilattice over plain states `S` whose value
 * is `V`. A delta is a state of the same lattice, so `join` merges full states and deltas alike.
 *
 * Laws (checked for every type by the generic suite in `test/`):
 * - `join` is commutative, associative and idempotent; `empty()` is its identity;
 * - `joinInto(a, b)` leaves `a` equal to `join(a, b)` and returns whether `a` changed;
 * - `leq(a, b)` iff `equals(join(a, b), b)`;
 * - for states `s`, `t` of replicas of one object, `leq(s, join(t, deltaSince(s, digest(t))))`;
 * - pure functions never mutate their arguments.
 * @example
 * const a = GCounter.increment(GCounter.empty(), 'alice', 2);
 * const b = GCounter.increment(GCounter.empty(), 'bob', 3);
 * GCounter.value(GCounter.join(a, b)); // 5
 */
export interface Crdt<S, V> {
  /** A stable wire tag: `'gcounter'`, `'orset'`, `'lwwmap'`, ... */
  readonly type: string;
  /** Bottom: the state of a replica that has seen nothing. */
  empty(): S;
  /** The least upper bound of two states. Pure. */
  join(a: S, b: S): S;
  /** Mutates `target` to `join(target, source)`, the fast path; true iff `target` changed. */
  joinInto(target: S, source: S): boolean;
  /** `a ⊑ b`: `join(a, b)` equals `b`. */
  leq(a: S, b: S): boolean;
  /** Whether the two states are the same lattice element. */
  equals(a: S, b: S): boolean;
  /** What the user sees. Never exposes the state's internals to mutation. */
  value(s: S): V;
  /** A compact summary of what `s` holds. */
  digest(s: S): Digest;
  /** The smallest delta this type can build that lifts any state with digest `d` to ⊒ `s`. */
  deltaSince(s: S, d: Digest): S;
  /** A deep copy sharing nothing mutable with `s`. */
  clone(s: S): S;
}

/** The state type of a {@link Crdt} descriptor. */
export type StateOf<C> = C extends Crdt<infer S, unknown> ? S : never;
/** The value type of a {@link Crdt} descriptor. */
export type ValueOf<C> = C extends Crdt<unknown, infer V> ? V : never;
