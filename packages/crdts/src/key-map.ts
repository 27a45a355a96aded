import { ValidationError } from '@nlbd/core';
import { keyRank, rankedBefore, type StoredKey } from './key.js';

/**
 * The most entries a chunk takes before appends in key order start a new one (and a split
 * leaves at most), while the map holds fewer than 4 times as many; chunks made after that take 4
 * times as many. A `Map` of up to 4,096 entries keeps its table (about 115 KB) among the engine's
 * ordinary objects; each table it grows into beyond that is a large object, which V8 puts on
 * fresh pages (about 9.5 µs a page on the benchmark machine) but never copies. Applying a 10k-entry
 * state into an empty map: 3.6 ms and 172 page faults in one `Map`, 1.5 to 2.5 ms and none in
 * chunks of 4,096. At 100k entries, though, the young generation fills and copies its ordinary
 * objects: chunks of 4,096 took 93 ms and 3,485 faults, one `Map` 52 to 75 ms and 2,140 faults,
 * chunks of 16,384 (large objects) 36 to 53 ms and 1,426 faults.
 */
export const CHUNK_ENTRIES = 4096;

/** How many times {@link CHUNK_ENTRIES} a large map's new chunks take, and how large a map is large. */
const LARGE = 4;

/** One chunk: the keys from `low` (inclusive; none for the first chunk) up to the next chunk's. */
interface Chunk<V> {
  map: Map<StoredKey, V>;
  /** The most entries appends in key order put in the chunk. */
  limit: number;
  low: StoredKey | undefined;
  /** The group of `low` (see `keyRank`), -1 for none. */
  lowRank: number;
  /** The first key set since the chunk was last empty (while `ordered`, the least, unless deleted). */
  first: StoredKey | undefined;
  /** The group of `first`, -1 for none. */
  firstRank: number;
  /** The greatest key set since the chunk was last empty, while `ordered`. */
  last: StoredKey | undefined;
  /** The group of `last`, -1 for none. */
  lastRank: number;
  /** Whether the chunk's keys iterate in key order (each new key came after every other). */
  ordered: boolean;
}

/** A chunk of `map` taking up to `limit` entries, whose keys are in order from `first` to `last`. */
function chunk<V>(
  limit: number,
  low: StoredKey | undefined,
  map = new Map<StoredKey, V>(),
  first?: StoredKey,
  last?: StoredKey,
): Chunk<V> {
  return {
    map,
    limit,
    low,
    lowRank: rankOf(low),
    first,
    firstRank: rankOf(first),
    last,
    lastRank: rankOf(last),
    ordered: true,
  };
}

function rankOf(k: StoredKey | undefined): number {
  return k === undefined ? -1 : keyRank(k);
}

/** Whether `k` (of group `rk`) comes before the low of chunk `c` (false for the first chunk's). */
function belowLow<V>(k: StoredKey, rk: number, c: Chunk<V>): boolean {
  return c.lowRank >= 0 && rankedBefore(k, rk, c.low as StoredKey, c.lowRank);
}

/**
 * A `Map` from stored keys, for maps of any size: its entries live in chunks, each a `Map`
 * holding a range of keys in key order (see `keyRank`), so no table grows into a large object
 * where keys come in key order. A decoded state's keys do, as do keys written in order; a key
 * that lands past the last key of a full chunk (or before its first) starts a chunk of its own,
 * and one that lands inside a full chunk whose keys are in order splits it in two. A chunk whose
 * keys came out of order grows as one `Map` would.
 * Invariants: every key lies in its chunk's range; `size` is the number of keys; iteration visits
 * chunk after chunk, each in insertion order, so the keys iterate in key order exactly when
 * {@link KeyMap.inKeyOrder} says so. Keys set while iterating may or may not be visited.
 */
export class KeyMap<V> implements Map<StoredKey, V> {
  #chunks: Chunk<V>[];
  #size = 0;
  /** The chunk the last lookup found. */
  #finger = 0;
  /** Whether a value `undefined` may be held: only then must a lookup finding `undefined` ask `has`. */
  #mayHoldUndefined = false;
  readonly #limit: number;

  /**
   * A map of `entries` (copied). `chunkEntries` (an integer from 2, {@link CHUNK_ENTRIES} by
   * default) bounds the chunks that appends in key order make, 4 times as many once the map holds
   * 4 times as many; tests make it small.
   */
  constructor(entries?: Iterable<readonly [StoredKey, V]>, chunkEntries = CHUNK_ENTRIES) {
    if (!Number.isInteger(chunkEntries) || chunkEntries < 2)
      throw new ValidationError(
        `chunkEntries must be an integer from 2, got ${chunkEntries}`,
        'chunkEntries',
      );
    this.#limit = chunkEntries;
    this.#chunks = [chunk(chunkEntries, undefined)];
    if (entries instanceof KeyMap && entries.#limit === chunkEntries) {
      this.#chunks = entries.#chunks.map((c) => ({ ...c, map: new Map(c.map) }));
      this.#size = entries.#size;
      this.#mayHoldUndefined = entries.#mayHoldUndefined;
    } else if (entries !== undefined) for (const [k, v] of entries) this.set(k, v);
  }

  get size(): number {
    return this.#size;
  }

  get [Symbol.toStringTag](): string {
    return 'KeyMap';
  }

  /** Whether the keys iterate in key order (every chunk's do). */
  get inKeyOrder(): boolean {
    for (const c of this.#chunks) if (!c.ordered) return false;
    return true;
  }

  /**
   * The chunks' maps, in key order of their ranges (a copy of the list, so a walk over it is not
   * disturbed by chunks split or added meanwhile). Read them only: every write goes through the
   * map. Loops over the entries that must be fast iterate these in nested loops: 20k steps took
   * 0.05 ms that way and 0.2 ms through {@link KeyMap.values} and {@link KeyMap.keys}, whose
   * iterator chains the chunks' and hands on each step's result.
   */
  chunks(): readonly ReadonlyMap<StoredKey, V>[] {
    return this.#chunks.map((c) => c.map);
  }

  /**
   * The index of the chunk whose range holds `k` (of group `rk`). Keys met in key order (a walk,
   * a decoded state, appends) mostly fall in the chunk of the key before, which is tried first
   * (two compares), before a binary search of the chunks' lows.
   */
  #indexOf(k: StoredKey, rk: number): number {
    const chunks = this.#chunks;
    const last = chunks.length - 1;
    if (last === 0) return 0;
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
    this.#finger = lo;
    return lo;
  }

  get(k: StoredKey): V | undefined {
    return (this.#chunks[this.#indexOf(k, keyRank(k))] as Chunk<V>).map.get(k);
  }

  has(k: StoredKey): boolean {
    return (this.#chunks[this.#indexOf(k, keyRank(k))] as Chunk<V>).map.has(k);
  }

  set(k: StoredKey, v: V): this {
    if (v === undefined) this.#mayHoldUndefined = true;
    const rk = keyRank(k);
    const i = this.#indexOf(k, rk);
    const c = this.#chunks[i] as Chunk<V>;
    const m = c.map;
    const n = m.size;
    if (n >= c.limit && c.ordered) {
      // Full, its keys in order: a key past either end is new (see `#insert`). One inside may be
      // a key it holds, set in place, or a new one, which splits it (its table just grew, but
      // the split drops the chunk's map).
      if (rankedBefore(c.last, c.lastRank, k, rk) || rankedBefore(k, rk, c.first as StoredKey, c.firstRank))
        this.#insert(i, k, rk, v);
      else {
        m.set(k, v);
        if (m.size === n) return this;
        m.delete(k);
        this.#size++;
        this.#split(i, k, rk, v);
      }
      return this;
    }
    m.set(k, v);
    if (m.size !== n) this.#added(c, n, k, rk);
    return this;
  }

  /**
   * Joins `source` into this map: each of its keys that this map lacks is added with its value,
   * and each it holds takes the source's value where `replaces(incoming, current)` says so
   * (never called for an identical value). `written` hears of every key written, with its value.
   * Each key is routed to its chunk once, where a `get` then `set` would route it twice.
   * Returns whether anything was written. The source is not changed.
   */
  joinFrom(
    source: KeyMap<V>,
    replaces: (incoming: V, current: V) => boolean,
    written?: (k: StoredKey, v: V) => void,
  ): boolean {
    let changed = false;
    if (source.#mayHoldUndefined) this.#mayHoldUndefined = true;
    const mayHoldUndefined = this.#mayHoldUndefined;
    // The source's chunks as `forEach` walks them (see there): by `for...of`, a 5k-entry join
    // allocated 300 KB more, which made young-generation collections land in joins more often.
    for (const from of source.chunks())
      from.forEach((v, k) => {
        const rk = keyRank(k);
        const i = this.#indexOf(k, rk);
        const m = (this.#chunks[i] as Chunk<V>).map;
        const cur = m.get(k);
        // A key that holds `undefined` is told from one the map lacks by `has` alone.
        if (cur === undefined && (!mayHoldUndefined || !m.has(k))) this.#insert(i, k, rk, v);
        else if (cur !== v && replaces(v, cur as V)) m.set(k, v);
        else return;
        written?.(k, v);
        changed = true;
      });
    return changed;
  }

  /**
   * Adds `k` (of group `rk`), which this map lacks, to chunk `i`, whose range holds it. Where the
   * chunk is full and its keys in order, a key past either end starts a chunk of its own and
   * one inside splits it.
   */
  #insert(i: number, k: StoredKey, rk: number, v: V): void {
    const c = this.#chunks[i] as Chunk<V>;
    const m = c.map;
    const n = m.size;
    if (n >= c.limit && c.ordered) {
      this.#size++;
      const limit = this.#size > LARGE * this.#limit ? LARGE * this.#limit : this.#limit;
      if (rankedBefore(c.last, c.lastRank, k, rk))
        this.#chunks.splice(i + 1, 0, chunk(limit, k, new Map([[k, v]]), k, k));
      else if (rankedBefore(k, rk, c.first as StoredKey, c.firstRank)) {
        this.#chunks.splice(i, 0, chunk(limit, c.low, new Map([[k, v]]), k, k));
        c.low = c.first;
        c.lowRank = c.firstRank;
      } else this.#split(i, k, rk, v);
      return;
    }
    m.set(k, v);
    this.#added(c, n, k, rk);
  }

  /** Records new key `k` (of group `rk`) of chunk `c`, which held `n` keys before it. */
  #added(c: Chunk<V>, n: number, k: StoredKey, rk: number): void {
    this.#size++;
    if (n === 0) {
      c.first = k;
      c.firstRank = rk;
    }
    noteKey(c, k, rk);
  }

  /**
   * Splits the full chunk `i`, whose keys are in order, into two halves, and adds new key `k` to
   * the half its range holds. Both halves are fresh maps: a walk over the old one (see `chunks`)
   * reads on undisturbed.
   */
  #split(i: number, k: StoredKey, rk: number, v: V): void {
    const c = this.#chunks[i] as Chunk<V>;
    const lower = new Map<StoredKey, V>();
    const upper = new Map<StoredKey, V>();
    const half = c.map.size >> 1;
    let j = 0;
    let head: StoredKey | undefined;
    let below: StoredKey | undefined;
    let low: StoredKey | undefined;
    c.map.forEach((value, key) => {
      if (j++ < half) {
        if (head === undefined) head = key;
        lower.set(key, value);
        below = key;
      } else {
        if (low === undefined) low = key;
        upper.set(key, value);
      }
    });
    const a = chunk(c.limit, c.low, lower, head, below);
    const b = chunk(c.limit, low, upper, low, c.last);
    this.#chunks.splice(i, 1, a, b);
    const into = belowLow(k, rk, b) ? a : b;
    into.map.set(k, v);
    noteKey(into, k, rk);
  }

  delete(k: StoredKey): boolean {
    const chunks = this.#chunks;
    const i = this.#indexOf(k, keyRank(k));
    const c = chunks[i] as Chunk<V>;
    if (!c.map.delete(k)) return false;
    this.#size--;
    if (c.map.size === 0) {
      if (chunks.length === 1) chunks[0] = chunk(this.#limit, undefined);
      else {
        // The chunk before takes over the range; the first chunk has no low.
        chunks.splice(i, 1);
        if (i === 0) Object.assign(chunks[0] as Chunk<V>, { low: undefined, lowRank: -1 });
      }
    }
    return true;
  }

  clear(): void {
    this.#chunks = [chunk(this.#limit, undefined)];
    this.#size = 0;
    this.#mayHoldUndefined = false;
  }

  /**
   * Calls `callback` for every entry in iteration order. Each chunk's map is walked by its own
   * `forEach`, which allocates nothing an entry (a `for...of` over a map's entries allocated
   * about 60 bytes an entry).
   */
  forEach(callback: (value: V, key: StoredKey, map: Map<StoredKey, V>) => void, thisArg?: unknown): void {
    for (const c of this.#chunks.slice())
      c.map.forEach((v, k) => {
        callback.call(thisArg, v, k, this);
      });
  }

  keys(): MapIterator<StoredKey> {
    return this.#iterate((m) => m.keys());
  }

  values(): MapIterator<V> {
    return this.#iterate((m) => m.values());
  }

  entries(): MapIterator<[StoredKey, V]> {
    return this.#iterate((m) => m.entries());
  }

  [Symbol.iterator](): MapIterator<[StoredKey, V]> {
    return this.entries();
  }

  #iterate<T>(open: (m: Map<StoredKey, V>) => MapIterator<T>): MapIterator<T> {
    const chunks = this.#chunks;
    if (chunks.length === 1) return open((chunks[0] as Chunk<V>).map);
    return new ChunksIterator(
      chunks.map((c) => c.map),
      open,
    );
  }
}

/** Records new key `k` (of group `rk`) of chunk `c`: whether its keys are still in order, and the last one. */
function noteKey<V>(c: Chunk<V>, k: StoredKey, rk: number): void {
  if (!c.ordered) return;
  if (rankedBefore(c.last, c.lastRank, k, rk)) {
    c.last = k;
    c.lastRank = rk;
  } else c.ordered = false;
}

/** One iterator over the maps of several chunks, one after another. */
class ChunksIterator<T, V> implements MapIterator<T> {
  readonly #maps: Map<StoredKey, V>[];
  readonly #open: (m: Map<StoredKey, V>) => MapIterator<T>;
  #at = 0;
  #current: MapIterator<T>;

  constructor(maps: Map<StoredKey, V>[], open: (m: Map<StoredKey, V>) => MapIterator<T>) {
    this.#maps = maps;
    this.#open = open;
    this.#current = open(maps[0] as Map<StoredKey, V>);
  }

  next(): IteratorResult<T, undefined> {
    for (;;) {
      const r = this.#current.next();
      if (!r.done || this.#at + 1 >= this.#maps.length) return r;
      this.#current = this.#open(this.#maps[++this.#at] as Map<StoredKey, V>);
    }
  }

  [Symbol.iterator](): MapIterator<T> {
    return this;
  }
}
