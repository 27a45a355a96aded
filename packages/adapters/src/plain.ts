import { compareTimestamps, DecodeError, HybridLogicalClock, type Timestamp } from '@nlbd/core';
import {
  type Adapter,
  assertIncrement,
  assertWorkloadId,
  type ReplicaOptions,
  type Scalar,
  type WorkloadReplica,
  type WorkloadValue,
  workloadValue,
} from './workload.js';

/** A map or set entry: a value (`undefined` for a tombstone) stamped by the write that made it. */
interface Entry<V> {
  readonly value: V | undefined;
  readonly stamp: Timestamp;
}

/**
 * `[key, wall - base wall, counter, replica index]` for a tombstone, `[..., value]` for a live
 * entry: replica ids are interned and walls relative, so JSON stays a fair baseline on size.
 */
type WireEntry = [string, number, number, number] | [string, number, number, number, Scalar];

interface WireState {
  /** The replica ids the entries index. */
  r: string[];
  /** The base wall time. */
  w: number;
  /** Map entries. */
  m: WireEntry[];
  /** Set entries; the value is `true` for present, absent (a tombstone) for removed. */
  s: WireEntry[];
  /** Counter increments and decrements per replica. */
  p: [string, number][];
  n: [string, number][];
}

interface WireDigest {
  /** Per replica, the greatest timestamp of its writes this replica holds. */
  t: [string, number, number][];
  p: [string, number][];
  n: [string, number][];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Builds the entries of a {@link WireState}, interning replica ids as it goes. */
class WireWriter {
  readonly replicas = new Map<string, number>();
  constructor(readonly base: number) {}

  entry<V extends Scalar>(key: string, { value, stamp }: Entry<V>): WireEntry {
    let index = this.replicas.get(stamp.replica);
    if (index === undefined) this.replicas.set(stamp.replica, (index = this.replicas.size));
    const wall = stamp.wall - this.base;
    return value === undefined ? [key, wall, stamp.counter, index] : [key, wall, stamp.counter, index, value];
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new DecodeError(`not JSON: ${(error as Error).message}`, 'plain');
  }
}

function isWireEntry(e: unknown): e is WireEntry {
  return (
    Array.isArray(e) &&
    (e.length === 4 || e.length === 5) &&
    typeof e[0] === 'string' &&
    Number.isSafeInteger(e[1]) &&
    Number.isSafeInteger(e[2]) &&
    Number.isInteger(e[3])
  );
}

function isCounts(list: unknown): list is [string, number][] {
  return Array.isArray(list) && list.every((e) => Array.isArray(e) && typeof e[0] === 'string' && e[1] >= 0);
}

function decodeState(bytes: Uint8Array): WireState {
  const state = parseJson(bytes) as Partial<WireState> | null;
  if (
    !Array.isArray(state?.r) ||
    !state.r.every((r) => typeof r === 'string') ||
    !Number.isSafeInteger(state.w) ||
    !Array.isArray(state.m) ||
    !Array.isArray(state.s) ||
    !state.m.every(isWireEntry) ||
    !state.s.every(isWireEntry) ||
    !isCounts(state.p) ||
    !isCounts(state.n)
  ) {
    throw new DecodeError('not a plain-JS workload state', 'plain');
  }
  return state as WireState;
}

function newer(a: Timestamp, b: Timestamp | undefined): boolean {
  return b === undefined || compareTimestamps(a, b) > 0;
}

/** Max-merges `source` into the G-Counter `target`. */
function joinCounts(target: Map<string, number>, source: Iterable<readonly [string, number]>): void {
  for (const [replica, n] of source) if (n > (target.get(replica) ?? 0)) target.set(replica, n);
}

/** The increments `counts` holds beyond what `seen` has. */
function countsSince(counts: Map<string, number>, seen: [string, number][]): [string, number][] {
  const peer = new Map(seen);
  return [...counts].filter(([replica, n]) => n > (peer.get(replica) ?? 0));
}

/**
 * The plain-JS baseline, the practical speed limit for a JS CRDT: the map is a `Map` with
 * last-writer-wins merge by hybrid-logical timestamp then replica id (a delete writes a
 * tombstone), the counter a pair of per-replica G-Counters merged by max, the set a
 * last-writer-wins element set. Encoding is JSON.
 */
class PlainReplica implements WorkloadReplica {
  readonly id: string;
  readonly #clock: HybridLogicalClock;
  readonly #map = new Map<string, Entry<Scalar>>();
  readonly #set = new Map<string, Entry<true>>();
  readonly #p = new Map<string, number>();
  readonly #n = new Map<string, number>();
  /** Per replica, the greatest stamp of its writes held here; see {@link encodeSince}. */
  readonly #seen = new Map<string, Timestamp>();

  constructor(id: string, options: ReplicaOptions) {
    assertWorkloadId(id);
    this.id = id;
    this.#clock = new HybridLogicalClock(id, options.now ? { now: options.now } : {});
  }

  #stamp(): Timestamp {
    const stamp = this.#clock.now();
    this.#seen.set(this.id, stamp);
    return stamp;
  }

  mapSet(key: string, value: Scalar): void {
    this.#map.set(key, { value, stamp: this.#stamp() });
  }

  mapDelete(key: string): void {
    this.#map.set(key, { value: undefined, stamp: this.#stamp() });
  }

  counterIncrement(n: number): void {
    assertIncrement(n);
    const counts = n >= 0 ? this.#p : this.#n;
    counts.set(this.id, (counts.get(this.id) ?? 0) + Math.abs(n));
  }

  setAdd(element: string): void {
    this.#set.set(element, { value: true, stamp: this.#stamp() });
  }

  setRemove(element: string): void {
    this.#set.set(element, { value: undefined, stamp: this.#stamp() });
  }

  transact(fn: () => void): void {
    fn();
  }

  encodeState(): Uint8Array {
    return this.#encode(() => true, [], []);
  }

  digest(): Uint8Array {
    const wire: WireDigest = {
      t: [...this.#seen].map(([replica, { wall, counter }]) => [replica, wall, counter]),
      p: [...this.#p],
      n: [...this.#n],
    };
    return encoder.encode(JSON.stringify(wire));
  }

  /**
   * Entries stamped after the peer's latest stamp from the same writer. Sound because every
   * replica holds, for each writer, every write up to its latest one from that writer (or a
   * newer write to the same key): this method and full states only ever ship such prefixes.
   */
  encodeSince(peerDigest: Uint8Array): Uint8Array {
    const peer = parseJson(peerDigest) as Partial<WireDigest> | null;
    if (!Array.isArray(peer?.t) || !isCounts(peer.p) || !isCounts(peer.n)) {
      throw new DecodeError('not a plain-JS workload digest', 'plain');
    }
    const seen = new Map(peer.t.map(([replica, wall, counter]) => [replica, { wall, counter, replica }]));
    return this.#encode((stamp) => newer(stamp, seen.get(stamp.replica)), peer.p, peer.n);
  }

  #encode(include: (stamp: Timestamp) => boolean, p: [string, number][], n: [string, number][]): Uint8Array {
    const writer = new WireWriter(this.#clock.last.wall);
    const m: WireEntry[] = [];
    const s: WireEntry[] = [];
    for (const [key, entry] of this.#map) if (include(entry.stamp)) m.push(writer.entry(key, entry));
    for (const [key, entry] of this.#set) if (include(entry.stamp)) s.push(writer.entry(key, entry));
    const r = [...writer.replicas.keys()];
    const wire: WireState = {
      r,
      w: writer.base,
      m,
      s,
      p: countsSince(this.#p, p),
      n: countsSince(this.#n, n),
    };
    return encoder.encode(JSON.stringify(wire));
  }

  apply(bytes: Uint8Array): void {
    const wire = decodeState(bytes);
    let latest: Timestamp | undefined;
    const merge = <V>(target: Map<string, Entry<V>>, entries: WireEntry[], present: (e: WireEntry) => V) => {
      for (const e of entries) {
        const replica = wire.r[e[3]];
        if (replica === undefined) throw new DecodeError(`no replica ${e[3]}`, 'plain');
        const stamp = { wall: wire.w + e[1], counter: e[2], replica };
        if (newer(stamp, target.get(e[0])?.stamp)) target.set(e[0], { value: present(e), stamp });
        if (newer(stamp, this.#seen.get(stamp.replica))) this.#seen.set(stamp.replica, stamp);
        if (newer(stamp, latest)) latest = stamp;
      }
    };
    merge(this.#map, wire.m, (e) => e[4]);
    merge(this.#set, wire.s, (e) => (e.length === 5 ? true : undefined));
    joinCounts(this.#p, wire.p);
    joinCounts(this.#n, wire.n);
    // Later local writes must win over what was just received.
    if (latest !== undefined) this.#clock.receive(latest);
  }

  /** The in-memory merge loop the targets compare nlbd's `joinInto` against. */
  joinFrom(other: WorkloadReplica): void {
    if (!(other instanceof PlainReplica)) throw new TypeError('joinFrom needs a plain-JS replica');
    for (const [key, entry] of other.#map) {
      if (newer(entry.stamp, this.#map.get(key)?.stamp)) this.#map.set(key, entry);
    }
    for (const [key, entry] of other.#set) {
      if (newer(entry.stamp, this.#set.get(key)?.stamp)) this.#set.set(key, entry);
    }
    joinCounts(this.#p, other.#p);
    joinCounts(this.#n, other.#n);
    for (const [replica, stamp] of other.#seen)
      if (newer(stamp, this.#seen.get(replica))) this.#seen.set(replica, stamp);
    const latest = other.#clock.last;
    if (latest.wall > 0 || latest.counter > 0) this.#clock.receive(latest);
  }

  value(): WorkloadValue {
    const sum = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
    const live = <V>(m: Map<string, Entry<V>>) =>
      [...m].filter(([, e]) => e.value !== undefined).map(([k, e]) => [k, e.value as V] as const);
    return workloadValue(
      live(this.#map),
      sum(this.#p) - sum(this.#n),
      live(this.#set).map(([k]) => k),
    );
  }
}

/**
 * The plain-JS baseline, the practical speed limit for a JS CRDT: the map is a `Map` with
 * last-writer-wins merge by hybrid-logical timestamp then replica id (a delete writes a
 * tombstone), the counter a pair of per-replica G-Counters merged by max, the set a
 * last-writer-wins element set. Encoding is JSON.
 */
export const plainAdapter: Adapter = {
  name: 'plain',
  library: null,
  notes: [
    'map: a JS Map, last-writer-wins by (hybrid logical timestamp, replica id); a delete is a timestamped tombstone',
    'counter: two per-replica G-Counters (increments, decrements) merged by max',
    'set: a last-writer-wins element set (a concurrent add and remove: the later timestamp wins)',
    'encoding: JSON; incremental sync sends entries newer than the peer’s latest timestamp per writer',
  ],
  createReplica: (id, options = {}) => new PlainReplica(id, options),
};
