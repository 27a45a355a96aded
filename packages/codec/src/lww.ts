import { DotContext, type ReplicaId, ValidationError } from '@nlbd/core';
import {
  KeyMap,
  type LWWEntry,
  LWWMap,
  type LWWMapState,
  lwwEntry,
  lwwStampWins,
  type StoredKey,
  type Value,
  writeIndexOf,
} from '@nlbd/crdts';
import { readContext, writeContext } from './context.js';
import { type KeyRunColumns, keyRunsInOrder, readKeyRuns, readKeys } from './keys.js';
import type { StateCodec } from './layout.js';
import { readDeltas, readSmallRuns, toDeltas, writeRuns } from './runs.js';
import { loadValues, wireValues } from './values.js';
import { asArray, asTuple, fail, type Reader, type Writer } from './wire.js';

/**
 * LWW-Map and LWW-Register (one key, `0`), format 1.1: `[context, ...keys(6), tombstones, values,
 * walls, counters, replicas, seqs]`, one row per key in wire order (keys as `writeKeyRuns` lays
 * them out). Every integer column is a {@link writeRuns} bin: `tombstones` the deleted rows (ascending,
 * delta-coded); `walls`, `counters` and `seqs` delta-coded against the previous row; `replicas`
 * each write's replica index. `values` holds the live rows' values. A row's dot
 * `(replica, seq)` must lie in the context. Format 1.0's layout is still read (see `readV1_0`).
 */
export const lwwCodec: StateCodec<LWWMapState> = {
  write(s, w) {
    const context = writeContext(s.context, w);
    // A `KeyMap`'s chunks give its entries in key order, which is wire order (checked by the
    // front coding). Neither keys nor entries are copied into arrays of their own (at 50k
    // entries, each array was a 400 KB large object on fresh memory).
    if (!(s.entries instanceof KeyMap))
      throw new ValidationError('an LWW-Map state keeps its entries in a KeyMap', 'state.entries');
    const keyRuns = keyRunsInOrder(s.entries, w.deflateKeyText) as KeyRunColumns;
    const rows = new RowColumns(s.entries.size, w);
    let j = 0;
    for (const { values } of s.entries.chunks())
      for (let i = 0; i < values.length; i++) rows.add(j++, values[i] as LWWEntry);
    return [
      context,
      ...keyRuns,
      writeRuns(rows.tombstones),
      wireValues(rows.liveValues()),
      writeRuns(toDeltas(rows.walls)),
      writeRuns(toDeltas(rows.counters)),
      writeRuns(rows.replicas),
      writeRuns(toDeltas(rows.seqs)),
    ];
  },

  read(x, r, path) {
    if (r.minor === 0) return readV1_0(x, r, path);
    const s: LWWMapState = { entries: new KeyMap(), context: DotContext.empty() };
    joinRows(readRows(x, r, path), s);
    return s;
  },

  readJoin(x, r, path) {
    if (r.minor === 0) {
      const s = readV1_0(x, r, path);
      return (target) => LWWMap.joinInto(target, s);
    }
    const rows = readRows(x, r, path);
    return (target) => joinRows(rows, target);
  },
};

/** The columns of an LWW layout's rows, filled row by row in wire order. */
class RowColumns {
  /** The deleted rows, each as its distance from the previous one. */
  readonly tombstones: number[] = [];
  /** The live rows' values: room for every row, cut to the live ones by {@link liveValues}. */
  readonly #values: Value[];
  #live = 0;
  readonly walls: Float64Array;
  readonly counters: Float64Array;
  readonly replicas: Float64Array;
  readonly seqs: Float64Array;
  readonly #w: Writer;
  #lastTombstone = 0;
  #lastReplica: ReplicaId | undefined;
  #lastIndex = 0;

  constructor(n: number, w: Writer) {
    // Sized once: a column grown by pushes is copied at every growth, and from 16k values on
    // each copy is a large object on fresh memory.
    this.#values = new Array(n);
    this.walls = new Float64Array(n);
    this.counters = new Float64Array(n);
    this.replicas = new Float64Array(n);
    this.seqs = new Float64Array(n);
    this.#w = w;
  }

  /** Row `i` (the next one) from entry `e`. */
  add(i: number, e: LWWEntry): void {
    if (e.deleted) {
      this.tombstones.push(i - this.#lastTombstone);
      this.#lastTombstone = i;
    } else this.#values[this.#live++] = e.value as Value;
    this.walls[i] = e.wall;
    this.counters[i] = e.counter;
    // Runs of rows by one writer are the rule: intern a replica once per run.
    if (e.replica !== this.#lastReplica) {
      this.#lastReplica = e.replica;
      this.#lastIndex = this.#w.intern(e.replica);
    }
    this.replicas[i] = this.#lastIndex;
    this.seqs[i] = e.seq;
  }

  /** The live rows' values, once every row is added. */
  liveValues(): Value[] {
    this.#values.length = this.#live;
    return this.#values;
  }
}

/** The validated rows of a 1.1 LWW layout, ready to join into any number of states. */
interface Rows {
  readonly context: DotContext;
  readonly keys: readonly StoredKey[];
  /** 1 for a deleted row. */
  readonly deleted: Uint8Array;
  /** The live rows' values, in row order. */
  readonly values: readonly Value[];
  readonly walls: Float64Array;
  readonly counters: Float64Array;
  /** Each row's writer, as its index in `ids` (the message's replica table). */
  readonly replicas: Int32Array;
  readonly ids: readonly ReplicaId[];
  readonly seqs: Float64Array;
}

function readRows(x: unknown, r: Reader, path: string): Rows {
  const parts = asTuple(x, 13, path);
  const context = readContext(parts[0], r, `${path}.context`);
  const keys = readKeyRuns(parts, 1, r, path);
  const n = keys.length;
  const values = loadValues(asArray(parts[8], `${path}.values`), `${path}.values`);
  if (values.length > n) fail(`expected at most ${n} values`, `${path}.values`);
  const deleted = readTombstones(parts[7], n, n - values.length, `${path}.tombstones`);
  const walls = readDeltas(parts[9], n, `${path}.walls`, 0);
  const counters = readDeltas(parts[10], n, `${path}.counters`, 0);
  const indexes = readSmallRuns(parts[11], n, `${path}.replicas`);
  const seqs = readDeltas(parts[12], n, `${path}.seqs`, 1);
  const dots = new DotChecker(context, r, path);
  for (let i = 0; i < n; i++) dots.check(indexes[i] as number, seqs[i] as number, i);
  return { context, keys, deleted, values, walls, counters, replicas: indexes, ids: r.replicas, seqs };
}

/** Which of `n` rows are the `count` tombstones a column of row gaps names (ascending, below `n`). */
function readTombstones(x: unknown, n: number, count: number, path: string): Uint8Array {
  const gaps = readSmallRuns(x, count, path);
  const deleted = new Uint8Array(n);
  let row = 0;
  for (let t = 0; t < count; t++) {
    const gap = gaps[t] as number;
    row += gap;
    if (gap < (t === 0 ? 0 : 1) || row >= n)
      fail('tombstone rows must ascend within the rows', `${path}[${t}]`);
    deleted[row] = 1;
  }
  return deleted;
}

/**
 * Joins `rows` into `target` as `LWWMap.joinInto` would join their state, without building it.
 * Cannot fail: the rows are validated. The rows' keys ascend, so a `KeyMerge` meets each row's
 * entry by walking the map alongside them: nothing is hashed.
 */
function joinRows(rows: Rows, target: LWWMapState): boolean {
  let changed = DotContext.joinInto(target.context, rows.context);
  const index = writeIndexOf(target.entries);
  const { keys, deleted, values, walls, counters, replicas, ids, seqs } = rows;
  const merge = target.entries.merge();
  let v = 0;
  for (let i = 0; i < keys.length; i++) {
    const gone = deleted[i] === 1;
    const value = gone ? undefined : values[v++];
    const wall = walls[i] as number;
    const counter = counters[i] as number;
    const replica = ids[replicas[i] as number] as ReplicaId;
    const key = keys[i] as StoredKey;
    // The row's entry is built only if it wins: in a merge, half the rows lose.
    if (merge.seek(key) && !lwwStampWins(wall, counter, replica, merge.current as LWWEntry)) continue;
    const e = lwwEntry(value, gone, wall, small(counter), replica, small(seqs[i] as number));
    merge.write(e);
    index?.note(key, e);
    changed = true;
  }
  merge.end();
  return changed;
}

/**
 * `x`, as a small integer (Smi) where it is one. Entries made by the mutators hold their counter
 * and seq as small integers; were decoded entries to hold them as doubles, the engine would
 * widen those fields for every entry, boxing each number and slowing every later access.
 */
function small(x: number): number {
  return (x | 0) === x ? x | 0 : x;
}

/** Checks rows' replica indexes name a replica and their dots lie in the context, cheaply per row. */
class DotChecker {
  readonly #context: DotContext;
  readonly #ids: readonly ReplicaId[];
  readonly #tops: number[];
  readonly #path: string;

  constructor(context: DotContext, r: Reader, path: string) {
    this.#context = context;
    this.#ids = r.replicas;
    this.#tops = r.replicas.map((id) => context.vv.get(id) ?? 0);
    this.#path = path;
  }

  /** Refuses row `row` unless index `index` names a replica whose write `seq` is in the context. */
  check(index: number, seq: number, row: number): void {
    const replica = this.#ids[index];
    if (replica === undefined) fail(`no replica with index ${index}`, `${this.#path}.replicas[${row}]`);
    if (seq > (this.#tops[index] as number) && !DotContext.hasEvent(this.#context, replica, seq))
      fail(`write (${replica}, ${seq}) is not in the context`, `${this.#path}.seqs[${row}]`);
  }
}

/** The parts of format 1.0's LWW layout: context, 4 key columns, then the entry columns. */
const PARTS_V1_0 = 11;

/**
 * Format 1.0's LWW layout: `[context, ...keys(4), tombstones, values, walls, counters, replicas,
 * seqs]`, the integer columns as msgpack arrays (same meaning as 1.1), `replicas` empty when all
 * are 0.
 */
function readV1_0(x: unknown, r: Reader, path: string): LWWMapState {
  const parts = asTuple(x, PARTS_V1_0, path);
  const context = readContext(parts[0], r, `${path}.context`);
  const keys = readKeys(parts, 1, r, path);
  const n = keys.length;
  const tombstones = readTombstonesV1_0(parts[5], n, `${path}.tombstones`);
  const values = loadValues(asArray(parts[6], `${path}.values`), `${path}.values`);
  const walls = column(parts[7], n, `${path}.walls`);
  const counters = column(parts[8], n, `${path}.counters`);
  const replicas = asArray(parts[9], `${path}.replicas`);
  const seqs = column(parts[10], n, `${path}.seqs`);
  if (values.length !== n - tombstones.length)
    fail(`expected ${n - tombstones.length} values`, `${path}.values`);
  if (replicas.length !== 0 && replicas.length !== n)
    fail(`expected ${n} replica indexes or none`, `${path}.replicas`);
  const single = replicas.length === 0 && n > 0 ? r.replica(0, `${path}.replicas`) : undefined;
  const entries = new KeyMap<LWWEntry>();
  let wall = 0;
  let counter = 0;
  let seq = 0;
  let t = 0;
  let nextTombstone = tombstones.length > 0 ? (tombstones[0] as number) : -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const dw = walls[i];
    const dc = counters[i];
    const ds = seqs[i];
    wall += dw as number;
    counter += dc as number;
    seq += ds as number;
    if (
      typeof dw !== 'number' ||
      typeof dc !== 'number' ||
      typeof ds !== 'number' ||
      !Number.isSafeInteger(wall) ||
      !Number.isSafeInteger(counter) ||
      !Number.isSafeInteger(seq) ||
      wall < 0 ||
      counter < 0 ||
      seq < 1
    ) {
      fail('wall and counter must be safe integers ≥ 0 and seq ≥ 1', `${path}.rows[${i}]`);
    }
    const replica: ReplicaId = single ?? r.replica(replicas[i], `${path}.replicas[${i}]`);
    if (!DotContext.hasEvent(context, replica, seq))
      fail(`write (${replica}, ${seq}) is not in the context`, `${path}.seqs[${i}]`);
    let value: Value | undefined;
    const deleted = i === nextTombstone;
    if (deleted) nextTombstone = ++t < tombstones.length ? (tombstones[t] as number) : -1;
    else value = values[v++];
    entries.set(keys[i] as string, lwwEntry(value, deleted, wall, counter, replica, seq));
  }
  return { entries, context };
}

/** A column of exactly `n` items (checked item by item by the caller's loop). */
function column(x: unknown, n: number, path: string): unknown[] {
  const a = asArray(x, path);
  if (a.length !== n) fail(`expected ${n} items, got ${a.length}`, path);
  return a;
}

/** Format 1.0's tombstone rows, absolute: strictly ascending row numbers below `n`. */
function readTombstonesV1_0(x: unknown, n: number, path: string): number[] {
  const a = asArray(x, path);
  let row = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i];
    row += d as number;
    if (typeof d !== 'number' || !Number.isSafeInteger(row) || (i > 0 ? d < 1 : d < 0) || row >= n) {
      fail('tombstone rows must ascend within the rows', `${path}[${i}]`);
    }
    a[i] = row;
  }
  return a as number[];
}
