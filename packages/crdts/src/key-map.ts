import { ValidationError } from '@nlbd/core';
import { keyRank, rankedBefore, type StoredKey } from './key.js';

/**
 * The most entries a chunk takes before keys written past its end start a new one, and the most
 * a split or a merge leaves in one, while its keys are kept sorted (see {@link KeyMap}).
 */
export const CHUNK_ENTRIES = 4096;

/**
 * The most entries of a sorted chunk that one key written inside it may move (at most half its
 * limit): past that, the chunk becomes a `Map`. 100k keys written in random order into sorted
 * chunks alone took about 3 times as long as into `Map`s, nearly all of it comparing strings in
 * binary searches, and lookups 2 to 4 times as long.
 */
const MOST_MOVED = 128;

/**
 * A run of a map's entries in key order: `keys` strictly ascending (see `keyRank`), `values`
 * beside them. Read them only: every write goes through the map.
 */
export interface KeyChunk<V> {
  readonly keys: readonly StoredKey[];
  readonly values: readonly V[];
}

/**
 * One chunk: the keys from `low` (none for the first chunk) up to the next chunk's `low`, either
 * sorted (`keys` ascending, `values` beside them) or, once keys landed inside it out of order, in
 * a `Map` (`map`, in the order written; `keys` and `values` then empty). Never empty unless it is
 * the map's only chunk.
 */
interface Chunk<V> {
  keys: StoredKey[];
  values: V[];
  map: Map<StoredKey, V> | undefined;
  low: StoredKey | undefined;
  /** The group of `low` (see `keyRank`), -1 for none. */
  lowRank: number;
  /** A `Map` chunk's entries sorted, as `chunks()` last gave them, until its next write. */
  sorted: KeyChunk<V> | undefined;
  /**
   * A sorted chunk's keys' indexes, built once lookups by search reach an eighth of its keys,
   * until a key moves (see {@link KeyMap}).
   */
  index: Map<StoredKey, number> | undefined;
  /** Lookups by search since the chunk's keys last moved. */
  searches: number;
}

function chunk<V>(keys: StoredKey[], values: V[], low: StoredKey | undefined): Chunk<V> {
  return {
    keys,
    values,
    map: undefined,
    low,
    lowRank: low === undefined ? -1 : keyRank(low),
    sorted: undefined,
    index: undefined,
    searches: 0,
  };
}

/** Whether `k` (of group `rk`) comes before the low of chunk `c` (false for the first chunk's). */
function belowLow<V>(k: StoredKey, rk: number, c: Chunk<V>): boolean {
  return c.lowRank >= 0 && rankedBefore(k, rk, c.low as StoredKey, c.lowRank);
}

function sizeOf<V>(c: Chunk<V>): number {
  return c.map === undefined ? c.keys.length : c.map.size;
}

/** Records that the keys of sorted chunk `c` moved: its index, if any, no longer holds. */
function moved<V>(c: Chunk<V>): void {
  c.index = undefined;
  c.searches = 0;
}

/** Appends `k` and `v` to sorted chunk `c`, past its last key. */
function push<V>(c: Chunk<V>, k: StoredKey, v: V): void {
  c.index?.set(k, c.keys.length);
  c.keys.push(k);
  c.values.push(v);
}

/** The fewest lookups by search of a sorted chunk that build its index. */
const INDEX_FROM = 16;

/** A `Map` chunk's entries in key order. */
function sortedOf<V>(map: Map<StoredKey, V>): KeyChunk<V> {
  const keys = [...map.keys()].sort((a, b) => {
    const ra = keyRank(a);
    const rb = keyRank(b);
    return rankedBefore(a, ra, b, rb) ? -1 : rankedBefore(b, rb, a, ra) ? 1 : 0;
  });
  return { keys, values: keys.map((k) => map.get(k) as V) };
}

/** Whether key `a` comes strictly before `k` (of group `rk`). */
function before(a: StoredKey, k: StoredKey, rk: number): boolean {
  return rankedBefore(a, keyRank(a), k, rk);
}

/** The first index of `keys` from `from` whose key does not come before `k` (of group `rk`). */
function lowerBound(keys: readonly StoredKey[], k: StoredKey, rk: number, from: number): number {
  let lo = from;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(keys[mid] as StoredKey, k, rk)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * {@link lowerBound} for keys met mostly near `from` (a merge of two sorted lists): tries `from`,
 * then gallops (1, 2, 4, ... ahead) before searching the last step, so a dense merge costs a
 * compare or two a key and a sparse one a logarithm of the gap.
 */
function gallop(keys: readonly StoredKey[], k: StoredKey, rk: number, from: number): number {
  const n = keys.length;
  if (from >= n || !before(keys[from] as StoredKey, k, rk)) return from;
  let lo = from + 1;
  let step = 1;
  while (lo + step < n && before(keys[lo + step] as StoredKey, k, rk)) {
    lo += step + 1;
    step *= 2;
  }
  let hi = Math.min(n, lo + step);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(keys[mid] as StoredKey, k, rk)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A `Map` from stored keys, kept in chunks of key ranges in key order (see `keyRank`). A chunk
 * is sorted (two arrays, keys ascending and values beside them, at most {@link CHUNK_ENTRIES} or
 * the size given) while its keys come past its end, or land inside moving few others; once one
 * would move more, it becomes a `Map` and grows as one. A lookup in a sorted chunk is a binary
 * search until lookups by search reach an eighth of its keys, which builds the chunk an index of
 * its keys (kept until a key moves); a key written past its last is a push. A batch of keys in
 * key order (a decoded state, another map) is merged in by a {@link KeyMerge}, which walks
 * sorted chunks alongside them and hashes nothing, so that joining a state costs a copy of each
 * chunk it adds keys inside, not a hash table write a key.
 * Invariants: every key lies in its chunk's range; no chunk is empty but a sole one, no sorted
 * one holds more than its limit; `size` is the number of keys. Iteration visits chunk after
 * chunk, a sorted one in key order and a `Map` one in the order written (use {@link chunks} for
 * key order throughout). As with a `Map`, a key is visited once unless deleted and written anew
 * meanwhile; a key deleted before it is reached is not visited, and one written while iterating
 * may or may not be.
 */
export class KeyMap<V> implements Map<StoredKey, V> {
  #chunks: Chunk<V>[] = [chunk([], [], undefined)];
  #size = 0;
  /** The chunk the last lookup found. */
  #finger = 0;
  /** The index there after the key the last lookup of a sorted chunk found (or where it would go). */
  #near = 0;
  /** Counts writes that add or remove keys, so that iterations find their place again. */
  #version = 0;
  /** The merge in progress, if any: any other use of the map ends it first. */
  #merge: KeyMerge<V> | undefined;
  readonly #limit: number;

  /**
   * A map of `entries` (copied). `chunkEntries` (an integer from 2, {@link CHUNK_ENTRIES} by
   * default) bounds the sorted chunks; tests make it small.
   */
  constructor(entries?: Iterable<readonly [StoredKey, V]>, chunkEntries = CHUNK_ENTRIES) {
    if (!Number.isInteger(chunkEntries) || chunkEntries < 2)
      throw new ValidationError(
        `chunkEntries must be an integer from 2, got ${chunkEntries}`,
        'chunkEntries',
      );
    this.#limit = chunkEntries;
    if (entries instanceof KeyMap && entries.#limit === chunkEntries) {
      entries.#settle();
      this.#chunks = entries.#chunks.map((c) => ({
        ...c,
        keys: c.keys.slice(),
        values: c.values.slice(),
        map: c.map === undefined ? undefined : new Map(c.map),
        index: undefined,
        searches: 0,
      }));
      this.#size = entries.#size;
    } else if (entries instanceof KeyMap) this.joinFrom(entries, () => true);
    else if (entries !== undefined) for (const [k, v] of entries) this.set(k, v);
  }

  get size(): number {
    this.#settle();
    return this.#size;
  }

  get [Symbol.toStringTag](): string {
    return 'KeyMap';
  }

  /**
   * The entries as runs in key order, one a chunk (a `Map` chunk's sorted when asked, and kept
   * until its next write). Valid until the map's next write: loops over the entries that must be
   * fast iterate these in nested loops over their arrays.
   */
  chunks(): readonly KeyChunk<V>[] {
    this.#settle();
    return this.#chunks.map((c) => (c.map === undefined ? c : (c.sorted ??= sortedOf(c.map))));
  }

  /** Ends the merge in progress, if any. */
  #settle(): void {
    this.#merge?.end();
  }

  /**
   * The index of the chunk whose range holds `k` (of group `rk`), left in `#finger`: the chunk the
   * last lookup found is tried first (keys met in order mostly fall there), then the chunks' lows
   * are searched.
   */
  #chunkOf(k: StoredKey, rk: number): number {
    const chunks = this.#chunks;
    const last = chunks.length - 1;
    if (last === 0) return (this.#finger = 0);
    const f = Math.min(this.#finger, last);
    if (!belowLow(k, rk, chunks[f] as Chunk<V>) && (f === last || belowLow(k, rk, chunks[f + 1] as Chunk<V>)))
      return f;
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (belowLow(k, rk, chunks[mid] as Chunk<V>)) hi = mid - 1;
      else lo = mid;
    }
    return (this.#finger = lo);
  }

  /**
   * `k`'s index in sorted chunk `c`, or where it would go as `-index - 1` (with `place`; without,
   * any negative number for a key absent). A chunk with an index answers from it. Otherwise keys
   * met in order, or the same key twice (a read, then a write), are tried first at the place
   * after the last one found and at that one, by identity; a key past the chunk's last (appends
   * in key order) costs one compare; any other is a lookup by search, which counts toward the
   * chunk's index. Where an absent key would go is found by binary search.
   */
  #search(c: Chunk<V>, k: StoredKey, rk: number, place: boolean): number {
    const keys = c.keys;
    const n = keys.length;
    const near = this.#near;
    let i: number | undefined;
    if (c.index !== undefined) i = c.index.get(k);
    else if (near < n && keys[near] === k) i = near;
    else if (near > 0 && near <= n && keys[near - 1] === k) i = near - 1;
    if (i === undefined) {
      if (c.index !== undefined && !place) return -1;
      if (n > 0 && before(keys[n - 1] as StoredKey, k, rk)) {
        this.#near = n;
        return -n - 1;
      }
      if (c.index === undefined) i = this.#indexed(c)?.get(k);
      if (i === undefined) {
        // Absent (or not indexed): where it is, or would go.
        const at = lowerBound(keys, k, rk, 0);
        if (at >= n || keys[at] !== k) {
          this.#near = at;
          return -at - 1;
        }
        i = at;
      }
    }
    this.#near = i + 1;
    return i;
  }

  /** Counts a lookup by search of sorted chunk `c`; builds its index at an eighth of its keys. */
  #indexed(c: Chunk<V>): Map<StoredKey, number> | undefined {
    const n = c.keys.length;
    if (++c.searches < INDEX_FROM || c.searches < n >> 3) return undefined;
    const index = new Map<StoredKey, number>();
    for (let i = 0; i < n; i++) index.set(c.keys[i] as StoredKey, i);
    return (c.index = index);
  }

  get(k: StoredKey): V | undefined {
    this.#settle();
    const rk = keyRank(k);
    const c = this.#chunks[this.#chunkOf(k, rk)] as Chunk<V>;
    if (c.map !== undefined) return c.map.get(k);
    const i = this.#search(c, k, rk, false);
    return i >= 0 ? c.values[i] : undefined;
  }

  has(k: StoredKey): boolean {
    this.#settle();
    const rk = keyRank(k);
    const c = this.#chunks[this.#chunkOf(k, rk)] as Chunk<V>;
    return c.map !== undefined ? c.map.has(k) : this.#search(c, k, rk, false) >= 0;
  }

  set(k: StoredKey, v: V): this {
    this.#settle();
    const rk = keyRank(k);
    const ci = this.#chunkOf(k, rk);
    const c = this.#chunks[ci] as Chunk<V>;
    const m = c.map;
    if (m !== undefined) {
      const n = m.size;
      m.set(k, v);
      c.sorted = undefined;
      if (m.size !== n) this.#added();
      return this;
    }
    const i = this.#search(c, k, rk, true);
    if (i >= 0) c.values[i] = v;
    else this.#insert(ci, -i - 1, k, v);
    return this;
  }

  #added(): void {
    this.#size++;
    this.#version++;
  }

  /**
   * Adds `k`, which sorted chunk `ci` lacks, at index `i` there. A full chunk gets a new chunk
   * after it for a key past its end, before it for a key below its first, and otherwise splits
   * in halves.
   */
  #insert(ci: number, i: number, k: StoredKey, v: V): void {
    this.#added();
    const c = this.#chunks[ci] as Chunk<V>;
    const n = c.keys.length;
    if (n < this.#limit) this.#place(c, i, k, v);
    else if (i === n) this.#chunks.splice(ci + 1, 0, chunk([k], [v], k));
    else if (i === 0) {
      this.#chunks.splice(ci, 0, chunk([k], [v], c.low));
      c.low = c.keys[0];
      c.lowRank = keyRank(c.low as StoredKey);
    } else {
      const half = n >> 1;
      const upper = chunk(c.keys.slice(half), c.values.slice(half), c.keys[half]);
      c.keys.length = half;
      c.values.length = half;
      moved(c);
      this.#chunks.splice(ci + 1, 0, upper);
      if (i <= half) this.#place(c, i, k, v);
      else this.#place(upper, i - half, k, v);
    }
  }

  /** Puts new key `k` at index `i` of sorted chunk `c`, which has room: moving few, or as a `Map`. */
  #place(c: Chunk<V>, i: number, k: StoredKey, v: V): void {
    const n = c.keys.length;
    if (i === n) push(c, k, v);
    else if (n - i <= Math.min(MOST_MOVED, this.#limit >> 1)) {
      moved(c);
      c.keys.splice(i, 0, k);
      c.values.splice(i, 0, v);
    } else {
      const m = new Map<StoredKey, V>();
      for (let j = 0; j < n; j++) m.set(c.keys[j] as StoredKey, c.values[j] as V);
      m.set(k, v);
      c.map = m;
      moved(c);
      c.keys = [];
      c.values = [];
    }
  }

  delete(k: StoredKey): boolean {
    this.#settle();
    const rk = keyRank(k);
    const ci = this.#chunkOf(k, rk);
    const c = this.#chunks[ci] as Chunk<V>;
    if (c.map !== undefined) {
      if (!c.map.delete(k)) return false;
      c.sorted = undefined;
    } else {
      const i = this.#search(c, k, rk, true);
      if (i < 0) return false;
      moved(c);
      c.keys.splice(i, 1);
      c.values.splice(i, 1);
    }
    this.#removed(ci, 1);
    return true;
  }

  /**
   * Records that chunk `ci` lost `n` keys: an emptied chunk goes (the chunk before takes over
   * its range; the first has no low), unless it is the only one, which starts again sorted.
   */
  #removed(ci: number, n: number): void {
    this.#size -= n;
    this.#version++;
    const chunks = this.#chunks;
    if (sizeOf(chunks[ci] as Chunk<V>) > 0) return;
    if (chunks.length === 1) chunks[0] = chunk([], [], undefined);
    else {
      chunks.splice(ci, 1);
      if (ci === 0) Object.assign(chunks[0] as Chunk<V>, { low: undefined, lowRank: -1 });
    }
  }

  /**
   * Deletes every entry for which `keep(value, key)` is false, in one pass (where a delete a key
   * would move the entries after it each time); returns how many went.
   */
  retain(keep: (value: V, key: StoredKey) => boolean): number {
    this.#settle();
    let dropped = 0;
    for (let ci = this.#chunks.length - 1; ci >= 0; ci--) {
      const c = this.#chunks[ci] as Chunk<V>;
      let gone = 0;
      if (c.map !== undefined) {
        const m = c.map;
        m.forEach((value, key) => {
          if (!keep(value, key)) {
            m.delete(key);
            gone++;
          }
        });
        if (gone > 0) c.sorted = undefined;
      } else {
        const { keys, values } = c;
        let w = 0;
        for (let r = 0; r < keys.length; r++) {
          const key = keys[r] as StoredKey;
          const value = values[r] as V;
          if (!keep(value, key)) continue;
          keys[w] = key;
          values[w++] = value;
        }
        gone = keys.length - w;
        if (gone > 0) moved(c);
        keys.length = w;
        values.length = w;
      }
      if (gone === 0) continue;
      dropped += gone;
      this.#removed(ci, gone);
    }
    return dropped;
  }

  clear(): void {
    this.#settle();
    this.#chunks = [chunk([], [], undefined)];
    this.#size = 0;
    this.#version++;
  }

  /**
   * A merge of keys in key order into this map (see {@link KeyMerge}); it ends at its `end()` or
   * at the map's next use otherwise.
   */
  merge(): KeyMerge<V> {
    this.#settle();
    const m = new KeyMerge<V>(this.#limit, this.#chunks, (added) => {
      this.#size += added;
      if (added > 0) this.#version++;
      this.#merge = undefined;
    });
    this.#merge = m;
    return m;
  }

  /**
   * Joins `source` into this map: each of its keys that this map lacks is added with its value,
   * and each it holds takes the source's value where `replaces(incoming, current)` says so
   * (never called for an identical value). `written` hears of every key written, with its value,
   * in key order. A {@link KeyMerge}: the two maps are walked side by side. Returns whether
   * anything was written. The source is not changed.
   */
  joinFrom(
    source: KeyMap<V>,
    replaces: (incoming: V, current: V) => boolean,
    written?: (k: StoredKey, v: V) => void,
  ): boolean {
    if (source === this) return false;
    let changed = false;
    const from = source.chunks();
    const m = this.merge();
    for (const { keys, values } of from)
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as StoredKey;
        const v = values[i] as V;
        if (m.seek(k)) {
          const cur = m.current as V;
          if (cur === v || !replaces(v, cur)) continue;
        }
        m.write(v);
        written?.(k, v);
        changed = true;
      }
    m.end();
    return changed;
  }

  /** Calls `callback` for every entry in iteration order (see {@link KeyMap}). */
  forEach(callback: (value: V, key: StoredKey, map: Map<StoredKey, V>) => void, thisArg?: unknown): void {
    const at = this.#start();
    while (this.#step(at)) callback.call(thisArg, at.value as V, at.key as StoredKey, this);
  }

  keys(): MapIterator<StoredKey> {
    return this.#iterate((at) => at.key as StoredKey);
  }

  values(): MapIterator<V> {
    return this.#iterate((at) => at.value as V);
  }

  entries(): MapIterator<[StoredKey, V]> {
    return this.#iterate((at) => [at.key as StoredKey, at.value as V]);
  }

  [Symbol.iterator](): MapIterator<[StoredKey, V]> {
    return this.entries();
  }

  #iterate<T>(pick: (at: Place<V>) => T): MapIterator<T> {
    const at = this.#start();
    const it = {
      next: (): IteratorResult<T, undefined> =>
        this.#step(at) ? { done: false, value: pick(at) } : { done: true, value: undefined },
      [Symbol.iterator]: () => it,
    };
    return it as MapIterator<T>;
  }

  #start(): Place<V> {
    return {
      ci: 0,
      chunk: undefined,
      p: 0,
      walk: undefined,
      after: undefined,
      afterRank: -1,
      version: this.#version,
      key: undefined,
      value: undefined,
    };
  }

  /** Moves `at` to the next entry; false past the last. */
  #step(at: Place<V>): boolean {
    this.#settle();
    if (at.version !== this.#version) {
      at.version = this.#version;
      if (at.key !== undefined) this.#refind(at);
    }
    for (;;) {
      const c = this.#chunks[at.ci];
      if (c === undefined) return false;
      if (at.chunk !== c) {
        at.chunk = c;
        at.p = 0;
        at.walk = c.map?.entries();
        at.after = undefined;
      }
      if (at.walk === undefined) {
        if (at.p < c.keys.length) {
          at.key = c.keys[at.p];
          at.value = c.values[at.p++];
          return true;
        }
      } else
        for (let r = at.walk.next(); r.done !== true; r = at.walk.next()) {
          const [k, v] = r.value;
          if (at.after !== undefined && !rankedBefore(at.after, at.afterRank, k, keyRank(k))) continue;
          at.key = k;
          at.value = v;
          return true;
        }
      at.ci++;
    }
  }

  /**
   * Finds `at`'s place again after keys were added or removed: a `Map` chunk still in the map
   * goes on with its own iterator; otherwise the walk resumes after the last key visited, in
   * the chunk whose range now holds it (a `Map` one from its start, passing over keys not after
   * that key, which it visited in key order before the chunk became a `Map`).
   */
  #refind(at: Place<V>): void {
    const c = at.chunk;
    if (c !== undefined && at.walk !== undefined && c.map !== undefined) {
      const ci = this.#chunks.indexOf(c);
      if (ci >= 0) {
        at.ci = ci;
        return;
      }
    }
    const last = at.key as StoredKey;
    const rk = keyRank(last);
    const ci = this.#chunkOf(last, rk);
    const t = this.#chunks[ci] as Chunk<V>;
    at.ci = ci;
    at.chunk = t;
    if (t.map === undefined) {
      at.walk = undefined;
      const p = lowerBound(t.keys, last, rk, 0);
      at.p = p < t.keys.length && t.keys[p] === last ? p + 1 : p;
    } else {
      at.walk = t.map.entries();
      at.after = last;
      at.afterRank = rk;
    }
  }
}

/** Where an iteration of a {@link KeyMap} is. */
interface Place<V> {
  ci: number;
  /** The chunk walked. */
  chunk: Chunk<V> | undefined;
  /** In a sorted chunk: the index of the next entry. */
  p: number;
  /** In a `Map` chunk: its iterator. */
  walk: MapIterator<[StoredKey, V]> | undefined;
  /** In a `Map` chunk found again: the key the entries visited must come after. */
  after: StoredKey | undefined;
  afterRank: number;
  /** The map's version when the place was last found. */
  version: number;
  /** The entry visited last. */
  key: StoredKey | undefined;
  value: V | undefined;
}

function outOfOrder(): never {
  throw new ValidationError('keys must be sought in strictly ascending key order', 'merge.key');
}

/**
 * A merge of keys in strictly ascending key order into a {@link KeyMap}, as in a merge of two
 * sorted lists: `seek(k)` moves to `k`'s place (true if the map holds it, its value then in
 * `current`), and `write(v)` writes `k`'s value there. In a sorted chunk, a value written over is
 * set in place, keys added past its end are pushed, and the first key added inside starts a
 * merged copy of it, finished when the merge leaves the chunk (and split if it outgrew the
 * limit): nothing is hashed. In a `Map` chunk, each key is looked up. The map must not be used
 * until `end()` (any use ends the merge first); keys out of order are refused with a
 * `ValidationError`.
 */
export class KeyMerge<V> {
  readonly #limit: number;
  readonly #chunks: Chunk<V>[];
  readonly #done: (added: number) => void;
  #ci = 0;
  /** The index in the current sorted chunk's (old) arrays of the first key not yet passed. */
  #p = 0;
  /** The current chunk's merged copy, from its first key up to `#p`, once a key was added inside. */
  #keys: StoredKey[] | undefined;
  #values: V[] | undefined;
  #key: StoredKey | undefined;
  #rank = -1;
  #found = false;
  #sought = false;
  #added = 0;
  #ended = false;
  /** The value the map holds under the key last sought, if it holds it. */
  current: V | undefined;

  /** Made by {@link KeyMap.merge} only: the package exports the type, not the class. */
  constructor(limit: number, chunks: Chunk<V>[], done: (added: number) => void) {
    this.#limit = limit;
    this.#chunks = chunks;
    this.#done = done;
  }

  /** Moves to `k`, which must come after every key sought before; returns whether the map holds it. */
  seek(k: StoredKey): boolean {
    if (this.#ended) throw new ValidationError('the merge has ended', 'merge');
    const rk = keyRank(k);
    const chunks = this.#chunks;
    // A key found in a sorted chunk sits at `#p`: the first compare of the search checks the order.
    let checked = this.#found && (chunks[this.#ci] as Chunk<V>).map === undefined;
    if (!checked && this.#key !== undefined && !rankedBefore(this.#key, this.#rank, k, rk)) outOfOrder();
    this.#key = k;
    this.#rank = rk;
    this.#sought = true;
    for (;;) {
      const c = chunks[this.#ci] as Chunk<V>;
      const next = chunks[this.#ci + 1];
      if (c.map !== undefined) {
        if (next !== undefined && !belowLow(k, rk, next)) {
          this.#ci++;
          this.#p = 0;
          continue;
        }
        const cur = c.map.get(k);
        this.#found = cur !== undefined || c.map.has(k);
        this.current = cur;
        return this.#found;
      }
      const { keys, values } = c;
      const from = this.#p;
      const p = gallop(keys, k, rk, from);
      if (checked) {
        if (p === from) outOfOrder();
        checked = false;
      }
      // Only a key past the chunk's last may belong to a later chunk.
      if (p === keys.length && next !== undefined && !belowLow(k, rk, next)) {
        this.#leave();
        this.#ci++;
        this.#p = 0;
        continue;
      }
      const out = this.#keys;
      if (out !== undefined)
        for (let i = from; i < p; i++) {
          out.push(keys[i] as StoredKey);
          (this.#values as V[]).push(values[i] as V);
        }
      this.#p = p;
      this.#found = p < keys.length && keys[p] === k;
      this.current = this.#found ? values[p] : undefined;
      return this.#found;
    }
  }

  /** Writes `v` under the key last sought (once). */
  write(v: V): void {
    if (!this.#sought) throw new ValidationError('write needs a seek first', 'merge');
    this.#sought = false;
    const c = this.#chunks[this.#ci] as Chunk<V>;
    const k = this.#key as StoredKey;
    if (c.map !== undefined) {
      c.map.set(k, v);
      c.sorted = undefined;
      if (!this.#found) this.#added++;
      return;
    }
    if (this.#found) {
      c.values[this.#p] = v;
      return;
    }
    this.#added++;
    if (this.#keys !== undefined) {
      this.#keys.push(k);
      (this.#values as V[]).push(v);
    } else if (this.#p < c.keys.length) {
      this.#keys = c.keys.slice(0, this.#p);
      this.#values = c.values.slice(0, this.#p);
      this.#keys.push(k);
      this.#values.push(v);
    } else if (c.keys.length < this.#limit) {
      push(c, k, v);
      this.#p++;
    } else {
      this.#chunks.splice(++this.#ci, 0, chunk([k], [v], k));
      this.#p = 1;
    }
  }

  /** Finishes the current chunk's merged copy, if any: the rest of its keys, then a split if it outgrew the limit. */
  #leave(): void {
    const out = this.#keys;
    if (out === undefined) return;
    const values = this.#values as V[];
    const c = this.#chunks[this.#ci] as Chunk<V>;
    for (let i = this.#p; i < c.keys.length; i++) {
      out.push(c.keys[i] as StoredKey);
      values.push(c.values[i] as V);
    }
    this.#keys = undefined;
    this.#values = undefined;
    const pieces = Math.ceil(out.length / this.#limit);
    if (pieces === 1) {
      moved(c);
      c.keys = out;
      c.values = values;
      return;
    }
    const each = Math.ceil(out.length / pieces);
    const split: Chunk<V>[] = [];
    for (let at = 0; at < out.length; at += each)
      split.push(chunk(out.slice(at, at + each), values.slice(at, at + each), at === 0 ? c.low : out[at]));
    this.#chunks.splice(this.#ci, 1, ...split);
    this.#ci += pieces - 1;
  }

  /** Ends the merge: the map is whole again. Later calls do nothing. */
  end(): void {
    if (this.#ended) return;
    this.#leave();
    this.#ended = true;
    this.#done(this.#added);
  }
}
