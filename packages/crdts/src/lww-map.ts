import {
  assertReplicaId,
  compareTimestamps,
  type Digest,
  DotContext,
  HybridLogicalClock,
  type ReplicaId,
  type Timestamp,
  ValidationError,
  type VersionVector,
} from '@nlbd/core';
import { type Key, loadKey, type StoredKey, storeKey } from './key.js';
import { KeyMap } from './key-map.js';
import { type LWWEntry, stamp, timestampOf, wins } from './lww.js';
import { Replica, type ReplicaOptions } from './replica.js';
import { storableValue, type Value, valueEquals } from './value.js';
import { lackingWrites, writeIndexOf } from './write-index.js';

/**
 * An LWW-Map's state: the winning write per key (a deletion is a write: a tombstone) and the
 * causal context of every write reflected. Invariant: every entry's dot is in `context`.
 * `entries` is a {@link KeyMap} (a `Map` kept in chunks of keys, so that large maps build
 * without large tables); being a class, it does not survive `structuredClone`: states travel as
 * bytes of `@nlbd/codec`.
 */
export interface LWWMapState {
  readonly entries: KeyMap<LWWEntry>;
  readonly context: DotContext;
}

function entryEquals(a: LWWEntry, b: LWWEntry): boolean {
  return (
    a === b ||
    (a.wall === b.wall &&
      a.counter === b.counter &&
      a.replica === b.replica &&
      a.seq === b.seq &&
      a.deleted === b.deleted &&
      valueEquals(a.value, b.value))
  );
}

function deltaOf(key: StoredKey, entry: LWWEntry): LWWMapState {
  const context = DotContext.empty();
  DotContext.addEvent(context, entry.replica, entry.seq);
  return { entries: new KeyMap<LWWEntry>().set(key, entry), context };
}

/** A validated write of `value` under `key`, stamped after what it overwrites; errors name `op`. */
function stampSet(
  s: LWWMapState,
  replica: ReplicaId,
  key: Key,
  value: Value,
  clock: HybridLogicalClock,
  op: string,
): [StoredKey, LWWEntry] {
  assertReplicaId(replica, `${op}.replica`);
  const k = storeKey(key, `${op}.key`);
  const v = storableValue(value, `${op}.value`);
  return [k, stamp(clock, replica, s.context, s.entries.get(k), v)];
}

/** A validated tombstone write for `key`, or undefined if `key` holds nothing here. */
function stampDelete(
  s: LWWMapState,
  replica: ReplicaId,
  key: Key,
  clock: HybridLogicalClock,
  op: string,
): [StoredKey, LWWEntry] | undefined {
  assertReplicaId(replica, `${op}.replica`);
  const k = storeKey(key, `${op}.key`);
  const cur = s.entries.get(k);
  if (cur === undefined || cur.deleted) return undefined;
  return [k, stamp(clock, replica, s.context, cur, undefined)];
}

/** Joins a write that beats the entry it replaces and whose dot is new to `s`: `joinInto` of its delta. */
function writeInto(s: LWWMapState, key: StoredKey, entry: LWWEntry): void {
  s.entries.set(key, entry);
  writeIndexOf(s.entries)?.note(key, entry);
  DotContext.addEvent(s.context, entry.replica, entry.seq);
}

/**
 * LWW-Map: a map whose keys hold the value of the last write, by hybrid-logical timestamp with
 * ties broken by replica id. A delete is a timestamped write (a tombstone), so a set and a
 * delete of one key resolve by time like two sets. Tombstones are dropped by {@link LWWMap.compact}
 * once every replica has seen them.
 * Concurrent case: alice sets `k` to 1 at 10:00:01, bob deletes `k` at 10:00:02: `k` is absent
 * everywhere; had alice written later, `k` would be 1 everywhere.
 * @example
 * const clock = new HybridLogicalClock('alice');
 * const s = LWWMap.empty();
 * LWWMap.joinInto(s, LWWMap.set(s, 'alice', 'title', 'milk', clock));
 * LWWMap.get(s, 'title'); // 'milk'
 */
export const LWWMap = {
  type: 'lwwmap',
  empty: (): LWWMapState => ({ entries: new KeyMap(), context: DotContext.empty() }),
  join(a: LWWMapState, b: LWWMapState): LWWMapState {
    const out = LWWMap.clone(a);
    LWWMap.joinInto(out, b);
    return out;
  },
  joinInto(target: LWWMapState, source: LWWMapState): boolean {
    const changed = DotContext.joinInto(target.context, source.context);
    const index = writeIndexOf(target.entries);
    const written = index === undefined ? undefined : (k: StoredKey, e: LWWEntry) => index.note(k, e);
    return target.entries.joinFrom(source.entries, wins, written) || changed;
  },
  leq(a: LWWMapState, b: LWWMapState): boolean {
    if (!DotContext.leq(a.context, b.context)) return false;
    for (const [k, e] of a.entries) {
      const o = b.entries.get(k);
      if (o === undefined || (!entryEquals(o, e) && !wins(o, e))) return false;
    }
    return true;
  },
  equals(a: LWWMapState, b: LWWMapState): boolean {
    if (a.entries.size !== b.entries.size || !DotContext.equals(a.context, b.context)) return false;
    for (const [k, e] of a.entries) {
      const o = b.entries.get(k);
      if (o === undefined || !entryEquals(e, o)) return false;
    }
    return true;
  },
  /** The live keys and values, in a `Map` (byte keys come back as fresh `Uint8Array`s). */
  value(s: LWWMapState): Map<Key, Value> {
    const out = new Map<Key, Value>();
    s.entries.forEach((e, k) => {
      if (!e.deleted) out.set(loadKey(k), e.value as Value);
    });
    return out;
  },
  digest: (s: LWWMapState): Digest => ({ seen: DotContext.clone(s.context) }),
  /**
   * The entries whose writes the digest lacks, with the context of exactly the writes it lacks
   * (as the causal types do), never the whole context: a delta claims only what it carries or
   * what it makes obsolete. Were it to carry the whole context, a peer that answered with it
   * after losing its state (a restart without storage, answering an older digest) would record
   * writes it no longer holds, and no digest would ever bring them back.
   */
  deltaSince(s: LWWMapState, d: Digest): LWWMapState {
    // From the second query of a map on, its write index (kept current by every write) finds them
    // by writer and sequence number: a digest that lacks a few writes costs a few lookups, not a
    // visit to every entry.
    const entries = lackingWrites(s.entries, d.seen);
    return { entries, context: DotContext.subtract(s.context, d.seen) };
  },
  clone: (s: LWWMapState): LWWMapState => ({
    entries: new KeyMap(s.entries),
    context: DotContext.clone(s.context),
  }),

  /** The value under `key`, or `undefined` if absent or deleted. */
  get(s: LWWMapState, key: Key): Value | undefined {
    const e = s.entries.get(storeKey(key));
    return e === undefined || e.deleted ? undefined : e.value;
  },
  /** Whether `key` holds a live value. */
  has(s: LWWMapState, key: Key): boolean {
    const e = s.entries.get(storeKey(key));
    return e !== undefined && !e.deleted;
  },
  /** The number of live keys. */
  size(s: LWWMapState): number {
    let n = 0;
    s.entries.forEach((e) => {
      if (!e.deleted) n++;
    });
    return n;
  },

  /** The delta writing `value` under `key`, stamped by `clock` (which must be `replica`'s). */
  set(s: LWWMapState, replica: ReplicaId, key: Key, value: Value, clock: HybridLogicalClock): LWWMapState {
    const [k, e] = stampSet(s, replica, key, value, clock, 'set');
    return deltaOf(k, e);
  },
  /** The delta deleting `key` (a tombstone write); empty if `key` holds nothing here. */
  delete(s: LWWMapState, replica: ReplicaId, key: Key, clock: HybridLogicalClock): LWWMapState {
    const write = stampDelete(s, replica, key, clock, 'delete');
    return write === undefined ? LWWMap.empty() : deltaOf(write[0], write[1]);
  },
  /**
   * Mutates `s`: writes `value` under `key` in place, leaving `s` as `joinInto(s, set(s, …))`
   * would (the new write wins over what it overwrites, and its dot is new), without building the
   * delta. For replicas that sync by digests (`deltaSince`), which never send a mutation's delta.
   */
  setInto(s: LWWMapState, replica: ReplicaId, key: Key, value: Value, clock: HybridLogicalClock): void {
    const [k, e] = stampSet(s, replica, key, value, clock, 'setInto');
    writeInto(s, k, e);
  },
  /** Mutates `s`: deletes `key` in place, as `joinInto(s, delete(s, …))` would. */
  deleteInto(s: LWWMapState, replica: ReplicaId, key: Key, clock: HybridLogicalClock): void {
    const write = stampDelete(s, replica, key, clock, 'deleteInto');
    if (write !== undefined) writeInto(s, write[0], write[1]);
  },

  /**
   * Mutates `s`: drops the tombstones whose write is in `stable`, the version vector every
   * replica has acknowledged (see `VersionVector.meet`). Since every replica has seen such a
   * tombstone, none holds an older write for that key, and nothing deleted comes back.
   * Returns how many tombstones were dropped.
   */
  compact(s: LWWMapState, stable: VersionVector): number {
    return s.entries.retain((e) => !e.deleted || e.seq > (stable.get(e.replica) ?? 0));
  },
} as const;

/** Options of an {@link LWWMapReplica} or {@link LWWRegisterReplica}. */
export interface LWWReplicaOptions<S> extends ReplicaOptions<S> {
  /** The replica's clock; a new `HybridLogicalClock(id)` by default. Its replica must be `id`. */
  readonly clock?: HybridLogicalClock;
}

/** The clock an LWW replica uses: the given one (checked to be `id`'s) or a new one. */
export function clockFor(id: ReplicaId, clock: HybridLogicalClock | undefined): HybridLogicalClock {
  if (clock === undefined) return new HybridLogicalClock(id);
  if (clock.replica !== id)
    throw new ValidationError(`clock belongs to '${clock.replica}', not '${id}'`, 'options.clock');
  return clock;
}

/**
 * Refuses a remote LWW state carrying a malformed timestamp or one too far in the future for
 * `clock`; returns the greatest timestamp it carries, for the clock to adopt.
 */
export function checkLWWEntries(
  clock: HybridLogicalClock,
  entries: Iterable<LWWEntry>,
): Timestamp | undefined {
  let latest: Timestamp | undefined;
  let i = 0;
  for (const e of entries) {
    const ts = timestampOf(e);
    clock.check(ts, `entries[${i++}]`);
    if (latest === undefined || compareTimestamps(ts, latest) > 0) latest = ts;
  }
  return latest;
}

/**
 * A replica of an {@link LWWMap}, with its own hybrid logical clock. Remote states whose
 * timestamps are malformed or too far ahead of the clock are refused with a `ValidationError`
 * and change nothing.
 * @example
 * const m = new LWWMapReplica('alice');
 * m.set('title', 'milk');
 * m.get('title'); // 'milk'
 */
export class LWWMapReplica extends Replica<LWWMapState, Map<Key, Value>> {
  /** The clock stamping this replica's writes. */
  readonly clock: HybridLogicalClock;
  #latest: Timestamp | undefined;

  constructor(id: ReplicaId, options: LWWReplicaOptions<LWWMapState> = {}) {
    super(LWWMap, id, options);
    this.clock = clockFor(id, options.clock);
  }
  /** Writes `value` under `key`; returns the delta. */
  set(key: Key, value: Value): LWWMapState {
    return this.applyLocal(LWWMap.set(this.state, this.id, key, value, this.clock));
  }
  /** Deletes `key`; returns the delta (empty if `key` was absent). */
  delete(key: Key): LWWMapState {
    return this.applyLocal(LWWMap.delete(this.state, this.id, key, this.clock));
  }
  /** The value under `key`, or `undefined`. */
  get(key: Key): Value | undefined {
    return LWWMap.get(this.state, key);
  }
  /** Whether `key` holds a live value. */
  has(key: Key): boolean {
    return LWWMap.has(this.state, key);
  }
  /** Drops tombstones every replica has seen (see {@link LWWMap.compact}); returns how many. */
  compact(stable: VersionVector): number {
    return LWWMap.compact(this.state, stable);
  }
  protected override checkIncoming(incoming: LWWMapState): void {
    this.#latest = checkLWWEntries(this.clock, incoming.entries.values());
  }
  protected override afterMerge(): void {
    if (this.#latest !== undefined && this.#latest.replica !== this.id) this.clock.receive(this.#latest);
  }
  protected override touchedKeys(delta: LWWMapState): Key[] {
    const keys: Key[] = [];
    for (const [k, e] of delta.entries) {
      const cur = this.state.entries.get(k);
      if (cur === undefined || wins(e, cur)) keys.push(loadKey(k));
    }
    return keys;
  }
}
