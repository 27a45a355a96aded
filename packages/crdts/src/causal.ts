import { type Crdt, type Digest, type Dot, DotContext, type ReplicaId } from '@nlbd/core';

/**
 * A dot store (Almeida et al., §6): the part of a causal CRDT's state that holds live dots, each
 * standing for an update not yet overwritten or removed. Paired with a causal context, a store
 * joins by the rule "a dot survives if both sides hold it, or if the other side has never seen
 * it". OR-Set, EW-Flag, MV-Register and OR-Map are stores of different shapes.
 *
 * Laws: `join` is commutative, associative and idempotent for states of one object; a store with
 * no live dot `isEmpty`; `since(t, seen)` holds exactly the dots of `t` not in `seen`.
 */
export interface DotStore<T> {
  empty(): T;
  isEmpty(t: T): boolean;
  /** The store of `join((a, ca), (b, cb))`. Pure; may return `a` or `b` themselves when unchanged. */
  join(a: T, ca: DotContext, b: T, cb: DotContext): T;
  /**
   * Joins `(source, cs)` into `(target, ct)` and returns the resulting store, which may be
   * `target` itself mutated in place; returns `undefined` when nothing changed. `ct` is the
   * target's context before the join.
   */
  joinInto(target: T, ct: DotContext, source: T, cs: DotContext): T | undefined;
  /** Calls `fn` for every live dot. */
  forEachDot(t: T, fn: (replica: ReplicaId, counter: number) => void): void;
  /** The part of `t` whose dots are not in `seen` (whole values where a part cannot be split off). */
  since(t: T, seen: DotContext): T;
  equals(a: T, b: T): boolean;
  clone(t: T): T;
}

/** The state of a causal CRDT: a dot store and the causal context of every update it reflects. */
export interface Causal<T> {
  store: T;
  readonly context: DotContext;
}

/** The lattice operations of `Causal<T>` states, shared by every causal type. */
export type CausalLattice<T> = Omit<Crdt<Causal<T>, unknown>, 'type' | 'value'>;

/** The live dots of a store, as a context. */
export function liveDots<T>(store: DotStore<T>, t: T): DotContext {
  const live = DotContext.empty();
  store.forEachDot(t, (r, c) => DotContext.addEvent(live, r, c));
  return live;
}

/**
 * The Crdt operations every causal type shares, derived from its dot store. `deltaSince` uses the
 * digest's live dots to send removals the asker has not seen: the delta's context is the dots it
 * lacks plus the dots it still holds that this state has removed.
 */
export function causalLattice<T>(store: DotStore<T>): CausalLattice<T> {
  const lattice = {
    empty: (): Causal<T> => ({ store: store.empty(), context: DotContext.empty() }),
    join(a: Causal<T>, b: Causal<T>): Causal<T> {
      return {
        store: store.join(a.store, a.context, b.store, b.context),
        context: DotContext.join(a.context, b.context),
      };
    },
    joinInto(target: Causal<T>, source: Causal<T>): boolean {
      const joined = store.joinInto(target.store, target.context, source.store, source.context);
      if (joined !== undefined) target.store = joined;
      const contextChanged = DotContext.joinInto(target.context, source.context);
      return joined !== undefined || contextChanged;
    },
    equals: (a: Causal<T>, b: Causal<T>): boolean =>
      DotContext.equals(a.context, b.context) && store.equals(a.store, b.store),
    leq: (a: Causal<T>, b: Causal<T>): boolean =>
      DotContext.leq(a.context, b.context) && lattice.equals(lattice.join(a, b), b),
    digest: (s: Causal<T>): Digest => ({ seen: DotContext.clone(s.context), live: liveDots(store, s.store) }),
    deltaSince(s: Causal<T>, d: Digest): Causal<T> {
      if (d.live === undefined) return lattice.clone(s);
      const context = DotContext.subtract(s.context, d.seen);
      const mine = liveDots(store, s.store);
      // Dots the asker still holds that this state has removed. Bounded by this state's own
      // context, however large the (remote) digest claims to be.
      const removed = (r: ReplicaId, c: number) => {
        if (DotContext.hasEvent(s.context, r, c) && !DotContext.hasEvent(mine, r, c))
          DotContext.addEvent(context, r, c);
      };
      for (const [r, n] of d.live.vv) {
        const top = Math.min(n, DotContext.max(s.context, r));
        for (let c = 1; c <= top; c++) removed(r, c);
      }
      for (const [r, dots] of d.live.cloud) for (const c of dots) removed(r, c);
      return { store: store.since(s.store, d.seen), context };
    },
    clone: (s: Causal<T>): Causal<T> => ({
      store: store.clone(s.store),
      context: DotContext.clone(s.context),
    }),
  };
  return lattice;
}

/** Every dot of a context, prefix then cloud. */
export function* eachDot(ctx: DotContext): Generator<[ReplicaId, number]> {
  for (const [r, n] of ctx.vv) for (let c = 1; c <= n; c++) yield [r, c];
  for (const [r, dots] of ctx.cloud) for (const c of dots) yield [r, c];
}

/** A context holding exactly the given dots. */
export function contextOf(dots: Iterable<Dot>): DotContext {
  return DotContext.from(new Map(), dots);
}

// ---- DotSet: a set of dots (EW-Flag; the entries of an OR-Set) ----

/** A set of live dots, as a small array (usually one dot per element). */
export type DotSet = readonly Dot[];

const hasDot = (dots: DotSet, d: Dot): boolean =>
  dots.some((x) => x.replica === d.replica && x.counter === d.counter);

function joinIntoByJoin<T>(
  this: DotStore<T>,
  target: T,
  ct: DotContext,
  source: T,
  cs: DotContext,
): T | undefined {
  const joined = this.join(target, ct, source, cs);
  return joined === target ? undefined : joined;
}

/** The dot-set store: the survivors of a join are the dots both hold or the other never saw. */
export const DotSetStore: DotStore<DotSet> = {
  empty: () => [],
  isEmpty: (t) => t.length === 0,
  join(a, ca, b, cb) {
    if (a === b) return a;
    const out: Dot[] = [];
    for (const d of a) if (hasDot(b, d) || !DotContext.has(cb, d)) out.push(d);
    for (const d of b) if (!hasDot(a, d) && !DotContext.has(ca, d)) out.push(d);
    if (out.length === a.length && out.every((d, i) => d === a[i])) return a;
    return out;
  },
  joinInto: joinIntoByJoin,
  forEachDot(t, fn) {
    for (const d of t) fn(d.replica, d.counter);
  },
  since: (t, seen) => t.filter((d) => !DotContext.has(seen, d)),
  equals: (a, b) => a.length === b.length && a.every((d) => hasDot(b, d)),
  clone: (t) => t.slice(),
};

// ---- DotFun: a value per live dot (MV-Register) ----

/** A live dot with the value written under it. */
export interface DotValue<V> {
  readonly dot: Dot;
  readonly value: V;
}

/** A function from live dots to values, as a small array (one entry per concurrent write). */
export type DotFun<V> = readonly DotValue<V>[];

/** The dot-function store over values compared by `equalsValue`. */
export function dotFunStore<V>(equalsValue: (a: V, b: V) => boolean): DotStore<DotFun<V>> {
  const find = (t: DotFun<V>, d: Dot) =>
    t.find((x) => x.dot.replica === d.replica && x.dot.counter === d.counter);
  return {
    empty: () => [],
    isEmpty: (t) => t.length === 0,
    join(a, ca, b, cb) {
      if (a === b) return a;
      const out: DotValue<V>[] = [];
      for (const e of a) if (find(b, e.dot) !== undefined || !DotContext.has(cb, e.dot)) out.push(e);
      for (const e of b) if (find(a, e.dot) === undefined && !DotContext.has(ca, e.dot)) out.push(e);
      if (out.length === a.length && out.every((e, i) => e === a[i])) return a;
      return out;
    },
    joinInto: joinIntoByJoin,
    forEachDot(t, fn) {
      for (const e of t) fn(e.dot.replica, e.dot.counter);
    },
    since: (t, seen) => t.filter((e) => !DotContext.has(seen, e.dot)),
    equals(a, b) {
      if (a.length !== b.length) return false;
      return a.every((e) => {
        const o = find(b, e.dot);
        return o !== undefined && equalsValue(e.value, o.value);
      });
    },
    clone: (t) => t.slice(),
  };
}

// ---- DotMap: a dot store per key (OR-Set, OR-Map) ----

/** A map from keys to nested dot stores; a key whose store is empty is absent. */
export type DotMap<K, T> = Map<K, T>;

/** The dot-map store over nested stores of kind `inner`: keys join pointwise, empty results vanish. */
export function dotMapStore<K, T>(inner: DotStore<T>): DotStore<DotMap<K, T>> {
  return {
    empty: () => new Map(),
    isEmpty: (t) => t.size === 0,
    join(a, ca, b, cb) {
      if (a === b) return a;
      const out = new Map<K, T>();
      let same = true;
      const empty = inner.empty();
      for (const [k, va] of a) {
        const joined = inner.join(va, ca, b.get(k) ?? empty, cb);
        if (!inner.isEmpty(joined)) out.set(k, joined);
        if (joined !== va) same = false;
      }
      for (const [k, vb] of b) {
        if (a.has(k)) continue;
        const joined = inner.join(empty, ca, vb, cb);
        if (!inner.isEmpty(joined)) {
          out.set(k, joined);
          same = false;
        }
      }
      return same && out.size === a.size ? a : out;
    },
    joinInto(target, ct, source, cs) {
      // `rejoin` keeps the index current, including one built below during this very join.
      let index = dotIndexOf(target);
      const empty = inner.empty();
      let changed = false;
      const rejoin = (k: K, vt: T, vs: T) => {
        const joined = inner.join(vt, ct, vs, cs);
        if (joined === vt) return;
        changed = true;
        replaceIn(inner, target, index, k, vt, joined);
      };
      // The target's keys outside the source's: those it held before, less those the source has.
      let outside = target.size;
      for (const [k, vs] of source) {
        const vt = target.get(k);
        if (vt !== undefined) outside--;
        rejoin(k, vt ?? empty, vs);
      }
      // A target dot outside the source's keys dies iff the source's context has seen it. When
      // that context is small, look its dots up in the index instead of visiting every key.
      const seen = DotContext.size(cs);
      if (seen === 0 || outside === 0) return changed ? target : undefined;
      if (seen * 4 < target.size) {
        index ??= buildDotIndex(inner, target);
        for (const [r, c] of eachDot(cs)) {
          const k = index.get(r)?.get(c);
          if (k !== undefined && !source.has(k)) rejoin(k, target.get(k) as T, empty);
        }
      } else {
        for (const [k, vt] of [...target]) if (!source.has(k)) rejoin(k, vt, empty);
      }
      return changed ? target : undefined;
    },
    forEachDot(t, fn) {
      for (const v of t.values()) inner.forEachDot(v, fn);
    },
    since(t, seen) {
      const out = new Map<K, T>();
      for (const [k, v] of t) {
        const part = inner.since(v, seen);
        if (!inner.isEmpty(part)) out.set(k, part);
      }
      return out;
    },
    equals(a, b) {
      if (a.size !== b.size) return false;
      for (const [k, v] of a) {
        const o = b.get(k);
        if (o === undefined || !inner.equals(v, o)) return false;
      }
      return true;
    },
    clone(t) {
      const out = new Map<K, T>();
      for (const [k, v] of t) out.set(k, inner.clone(v));
      return out;
    },
  };
}

// A cache from a dot map (by identity) to where each of its live dots sits, so small removal
// deltas need not scan the whole map. Built on first use, kept current by `joinInto`.
type DotIndex<K> = Map<ReplicaId, Map<number, K>>;
const dotIndexes = new WeakMap<object, DotIndex<unknown>>();

function dotIndexOf<K>(map: Map<K, unknown>): DotIndex<K> | undefined {
  return dotIndexes.get(map) as DotIndex<K> | undefined;
}

function indexAdd<K>(index: DotIndex<K>, replica: ReplicaId, counter: number, key: K): void {
  let byCounter = index.get(replica);
  if (byCounter === undefined) index.set(replica, (byCounter = new Map()));
  byCounter.set(counter, key);
}

/** Mutates `map`: `k` from `old` to `joined` (absent if empty), and the index, if built, with it. */
function replaceIn<K, T>(
  inner: DotStore<T>,
  map: DotMap<K, T>,
  index: DotIndex<K> | undefined,
  k: K,
  old: T,
  joined: T,
): void {
  if (index !== undefined) {
    inner.forEachDot(old, (r, c) => index.get(r)?.delete(c));
    inner.forEachDot(joined, (r, c) => indexAdd(index, r, c, k));
  }
  if (inner.isEmpty(joined)) map.delete(k);
  else map.set(k, joined);
}

/**
 * Mutates `map`: sets `k`'s nested store to `value` (removes `k` if `value` is empty), keeping the
 * dot index current. Only for in-place mutators whose result is what `joinInto` of their delta
 * would give (the context must already hold `value`'s dots).
 */
export function setInDotMap<K, T>(inner: DotStore<T>, map: DotMap<K, T>, k: K, value: T): void {
  replaceIn(inner, map, dotIndexOf(map), k, map.get(k) ?? inner.empty(), value);
}

function buildDotIndex<K, T>(inner: DotStore<T>, map: Map<K, T>): DotIndex<K> {
  const index: DotIndex<K> = new Map();
  for (const [k, v] of map) inner.forEachDot(v, (r, c) => indexAdd(index, r, c, k));
  dotIndexes.set(map, index as DotIndex<unknown>);
  return index;
}

/** The dots of a store, as an array (for building removal contexts). */
export function dotsOf<T>(store: DotStore<T>, t: T): Dot[] {
  const out: Dot[] = [];
  store.forEachDot(t, (replica, counter) => out.push({ replica, counter }));
  return out;
}

/**
 * The keys of `map` whose entries a join with a delta `(store, context)` may change: the delta's
 * own keys, and the keys holding live dots the delta's context has seen (its removals).
 */
export function keysTouchedBy<K, T>(inner: DotStore<T>, map: Map<K, T>, delta: Causal<Map<K, T>>): K[] {
  const keys = new Set<K>(delta.store.keys());
  if (DotContext.size(delta.context) * 4 < map.size) {
    const index = dotIndexOf(map) ?? buildDotIndex(inner, map);
    for (const [r, c] of eachDot(delta.context)) {
      const k = index.get(r)?.get(c);
      if (k !== undefined) keys.add(k);
    }
  } else {
    for (const [k, v] of map) {
      if (keys.has(k)) continue;
      inner.forEachDot(v, (r, c) => {
        if (DotContext.hasEvent(delta.context, r, c)) keys.add(k);
      });
    }
  }
  return [...keys];
}
