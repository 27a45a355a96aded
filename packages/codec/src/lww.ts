import { DotContext, type ReplicaId } from '@nlbd/core';
import type { LWWEntry, LWWMapState, Value } from '@nlbd/crdts';
import { readContext, writeContext } from './context.js';
import { readKeys, sortKeys, writeKeys } from './keys.js';
import type { StateCodec } from './layout.js';
import { loadValues, wireValues } from './values.js';
import { asArray, asTuple, fail } from './wire.js';

/** The parts of an LWW-Map layout: context, 4 key columns, then the entry columns. */
const PARTS = 11;

/**
 * LWW-Map and LWW-Register (one key, `0`): `[context, ...keys, tombstones, values, walls,
 * counters, replicas, seqs]`, one row per key in wire order. `tombstones` lists the rows that are
 * deletions (ascending, delta-coded); `values` holds the other rows' values; `walls`, `counters`
 * and `seqs` are delta-coded against the previous row; `replicas` holds each write's replica
 * index, or is empty when all are 0. A row's dot `(replica, seq)` must lie in the context.
 */
export const lwwCodec: StateCodec<LWWMapState> = {
  write(s, w) {
    const context = writeContext(s.context, w);
    const keys = sortKeys(s.entries.keys());
    const n = keys.length;
    const tombstones: number[] = [];
    const values: Value[] = [];
    const walls: number[] = new Array(n);
    const counters: number[] = new Array(n);
    const replicas: number[] = new Array(n);
    const seqs: number[] = new Array(n);
    let allZero = true;
    let lastTombstone = 0;
    let wall = 0;
    let counter = 0;
    let seq = 0;
    for (let i = 0; i < n; i++) {
      const e = s.entries.get(keys[i] as string) as LWWEntry;
      if (e.deleted) {
        tombstones.push(i - lastTombstone);
        lastTombstone = i;
      } else values.push(e.value as Value);
      walls[i] = e.wall - wall;
      counters[i] = e.counter - counter;
      seqs[i] = e.seq - seq;
      wall = e.wall;
      counter = e.counter;
      seq = e.seq;
      const index = w.intern(e.replica);
      replicas[i] = index;
      if (index !== 0) allZero = false;
    }
    return [
      context,
      ...writeKeys(keys),
      tombstones,
      wireValues(values),
      walls,
      counters,
      allZero ? [] : replicas,
      seqs,
    ];
  },

  read(x, r, path) {
    const parts = asTuple(x, PARTS, path);
    const context = readContext(parts[0], r, `${path}.context`);
    const keys = readKeys(parts, 1, r, path);
    const n = keys.length;
    const tombstones = readTombstones(parts[5], n, `${path}.tombstones`);
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
    const entries = new Map<string | number | boolean, LWWEntry>();
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
      entries.set(keys[i] as string, { value, deleted, wall, counter, replica, seq });
    }
    return { entries, context };
  },
};

/** A column of exactly `n` items (checked item by item by the caller's loop). */
function column(x: unknown, n: number, path: string): unknown[] {
  const a = asArray(x, path);
  if (a.length !== n) fail(`expected ${n} items, got ${a.length}`, path);
  return a;
}

/** The tombstone rows, absolute: strictly ascending row numbers below `n`. */
function readTombstones(x: unknown, n: number, path: string): number[] {
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
