import type { DotContext, ReplicaId } from '@nlbd/core';
import { keyRank, rankedBefore, type StoredKey } from './key.js';
import { KeyMap } from './key-map.js';
import type { LWWEntry } from './lww.js';

const keyBefore = (a: StoredKey, b: StoredKey): boolean => rankedBefore(a, keyRank(a), b, keyRank(b));

/** Items a block of a writer's log holds: the unit that a query skips or reads. */
const BLOCK = 512;

/**
 * One writer's writes as they reached the map, in arrival order: their sequence numbers and keys
 * side by side, and the greatest sequence number of each block of {@link BLOCK} items, so that a
 * query for the writes after a given one skips every block that holds none.
 */
class WriterLog {
  readonly seqs: number[] = [];
  readonly keys: StoredKey[] = [];
  readonly blockMax: number[] = [];

  add(seq: number, key: StoredKey): void {
    const b = Math.floor(this.seqs.length / BLOCK);
    this.seqs.push(seq);
    this.keys.push(key);
    if (b === this.blockMax.length) this.blockMax.push(seq);
    else if (seq > (this.blockMax[b] as number)) this.blockMax[b] = seq;
  }
}

/**
 * An index of an LWW-Map's entries by the writer and sequence number of their write, so that
 * `deltaSince` finds the writes a digest lacks by looking where they can be, not by visiting every
 * entry. Invariant: every entry of the map is listed under its writer with its sequence number.
 * Writes later overwritten or dropped (compaction) linger as stale items, skipped by checking the
 * map; the index is rebuilt once they outnumber the entries.
 */
export class WriteIndex {
  readonly #writers = new Map<ReplicaId, WriterLog>();
  #items = 0;

  /** Records that `key` now holds `entry`. */
  note(key: StoredKey, entry: LWWEntry): void {
    let log = this.#writers.get(entry.replica);
    if (log === undefined) this.#writers.set(entry.replica, (log = new WriterLog()));
    log.add(entry.seq, key);
    this.#items++;
  }

  /** Items recorded, stale ones included. */
  get items(): number {
    return this.#items;
  }

  /** The entries of `entries` whose write `seen` lacks (each checked to be current). */
  lacking(entries: ReadonlyMap<StoredKey, LWWEntry>, seen: DotContext): KeyMap<LWWEntry> {
    const found: [StoredKey, LWWEntry][] = [];
    for (const [replica, log] of this.#writers) {
      const top = seen.vv.get(replica) ?? 0;
      const beyond = seen.cloud.get(replica);
      const { seqs, keys, blockMax } = log;
      for (let b = 0; b < blockMax.length; b++) {
        if ((blockMax[b] as number) <= top) continue;
        const end = Math.min(seqs.length, (b + 1) * BLOCK);
        for (let i = b * BLOCK; i < end; i++) {
          const seq = seqs[i] as number;
          if (seq <= top || beyond?.has(seq) === true) continue;
          const key = keys[i] as StoredKey;
          const e = entries.get(key);
          if (e !== undefined && e.seq === seq && e.replica === replica) found.push([key, e]);
        }
      }
    }
    // Found writer by writer: sorted (unless already in key order), then merged in at once, so
    // that the delta's chunks come out sorted.
    if (!found.every(([k], i) => i === 0 || keyBefore((found[i - 1] as [StoredKey, LWWEntry])[0], k)))
      found.sort(([a], [b]) => (keyBefore(a, b) ? -1 : keyBefore(b, a) ? 1 : 0));
    const out = new KeyMap<LWWEntry>();
    const merge = out.merge();
    let last: StoredKey | undefined;
    for (const [key, e] of found) {
      if (key === last) continue;
      last = key;
      merge.seek(key);
      merge.write(e);
    }
    merge.end();
    return out;
  }
}

/** The write index of each entries map that has one (by identity), built by its second query. */
const indexes = new WeakMap<ReadonlyMap<StoredKey, LWWEntry>, WriteIndex>();

/**
 * The write index of an LWW-Map's entries, if one was built: every code that sets an entry of a
 * map must note it here (`writeIndexOf(entries)?.note(key, entry)`), or the index would miss it.
 */
export function writeIndexOf(entries: ReadonlyMap<StoredKey, LWWEntry>): WriteIndex | undefined {
  return indexes.get(entries);
}

/** Entries maps asked once: a map is indexed at its second query, so a one-off query only scans. */
const queried = new WeakSet<ReadonlyMap<StoredKey, LWWEntry>>();

/**
 * The entries of `entries` whose write `seen` lacks. The first query of a map visits every entry;
 * the second builds the map's write index (one pass), and later ones look where the writes can be,
 * rebuilding the index once stale items outnumber the entries.
 */
export function lackingWrites(entries: KeyMap<LWWEntry>, seen: DotContext): KeyMap<LWWEntry> {
  let index = indexes.get(entries);
  if (index === undefined && !queried.has(entries)) {
    queried.add(entries);
    const out = new KeyMap<LWWEntry>();
    // A writer's knowledge in `seen` is looked up once per run of entries by that writer.
    let replica: ReplicaId | undefined;
    let top = 0;
    let beyond: ReadonlySet<number> | undefined;
    entries.forEach((e, k) => {
      if (e.replica !== replica) {
        replica = e.replica;
        top = seen.vv.get(replica) ?? 0;
        beyond = seen.cloud.get(replica);
      }
      if (e.seq > top && beyond?.has(e.seq) !== true) out.set(k, e);
    });
    return out;
  }
  if (index === undefined || index.items > 2 * entries.size + BLOCK) {
    const fresh = new WriteIndex();
    entries.forEach((e, k) => {
      fresh.note(k, e);
    });
    indexes.set(entries, (index = fresh));
  }
  return index.lacking(entries, seen);
}
