import type { Digest, DotContext, ReplicaId } from '@nlbd/core';
import { readRuns, writeRuns } from './runs.js';
import { asArray, asCount, asTuple, fail, type Reader, type Writer } from './wire.js';

/** Interns `ids` in code-unit order, so a lone state's table is sorted by id. */
function internSorted(ids: Iterable<ReplicaId>, w: Writer): void {
  for (const id of [...ids].sort()) w.intern(id);
}

/**
 * A version vector as one flat column `[index, count, index, count, ...]`, indexes ascending.
 * Shared by G-Counter states and the prefix part of contexts.
 */
export function writeVector(vv: ReadonlyMap<ReplicaId, number>, w: Writer): number[] {
  internSorted(vv.keys(), w);
  const pairs = [...vv].map(([r, n]): [number, number] => [w.intern(r), n]).sort((a, b) => a[0] - b[0]);
  return pairs.flat();
}

/** Reads a {@link writeVector} column: indexes strictly ascending, counts safe integers ≥ 1. */
export function readVector(x: unknown, r: Reader, path: string): Map<ReplicaId, number> {
  const a = asArray(x, path);
  if (a.length % 2 !== 0) fail('expected index, count pairs', path);
  const vv = new Map<ReplicaId, number>();
  let last = -1;
  for (let i = 0; i < a.length; i += 2) {
    const index = a[i];
    const replica = r.replica(index, path, i);
    if ((index as number) <= last) fail('replica indexes must be strictly ascending', `${path}[${i}]`);
    last = index as number;
    vv.set(replica, asCount(a[i + 1], path, 1, i + 1));
  }
  return vv;
}

/**
 * A causal context as `[vector, cloud]`: the prefix by {@link writeVector}, and (since 1.3) the
 * cloud as `[index, k, index, k, ..., gaps]`, each replica's k out-of-order dots (indexes
 * ascending) then one {@link writeRuns} column of every cloud dot, delta-coded per replica from
 * its prefix + 1; `[]` when no replica has one. A delta's context lists the writes it carries,
 * mostly a consecutive stretch of one writer's dots beyond the asker's prefix: a run of gaps of 1,
 * two bytes whatever its length. Compact by the `DotContext` invariant: a cloud's first dot is at
 * least `prefix + 2`, gaps are ≥ 1, no replica has an empty cloud.
 */
export function writeContext(ctx: DotContext, w: Writer): [number[], unknown[]] {
  internSorted(new Set([...ctx.vv.keys(), ...ctx.cloud.keys()]), w);
  const vector = writeVector(ctx.vv, w);
  const clouds = [...ctx.cloud]
    .filter(([, dots]) => dots.size > 0)
    .map(([r, dots]): [number, number, number[]] => [
      w.intern(r),
      ctx.vv.get(r) ?? 0,
      [...dots].sort((a, b) => a - b),
    ])
    .sort((a, b) => a[0] - b[0]);
  if (clouds.length === 0) return [vector, []];
  const cloud: unknown[] = [];
  const gaps: number[] = [];
  for (const [index, top, dots] of clouds) {
    cloud.push(index, dots.length);
    let prev = top + 1;
    for (const c of dots) {
      gaps.push(c - prev);
      prev = c;
    }
  }
  cloud.push(writeRuns(gaps));
  return [vector, cloud];
}

/** Reads a {@link writeContext} layout, refusing anything not compact or not canonical. */
export function readContext(x: unknown, r: Reader, path: string): DotContext {
  const [vx, cx] = asTuple(x, 2, path);
  const vv = readVector(vx, r, `${path}.vector`);
  const a = asArray(cx, `${path}.cloud`);
  const cloud = readCloud(a, vv, r, path);
  return { vv, cloud };
}

/** A replica's cloud dots from their gaps (the first from prefix + 1), each gap ≥ 1. */
class CloudDots {
  readonly #gaps: ArrayLike<unknown>;
  #at: number;
  readonly #path: string;

  constructor(gaps: ArrayLike<unknown>, at: number, path: string) {
    this.#gaps = gaps;
    this.#at = at;
    this.#path = path;
  }

  /** The next `k` dots of a replica whose prefix is `top`. */
  take(k: number, top: number): Set<number> {
    const dots = new Set<number>();
    let c = top + 1;
    for (let j = 0; j < k; j++, this.#at++) {
      const gap = this.#gaps[this.#at];
      const next = c + (gap as number);
      // The first gap is from prefix + 1, so ≥ 1 means the cloud never touches the prefix.
      if (typeof gap !== 'number' || gap < 1 || !Number.isSafeInteger(next)) {
        fail('cloud dots must ascend, above the prefix + 1, as safe integers', `${this.#path}[${this.#at}]`);
      }
      dots.add(next);
      c = next;
    }
    return dots;
  }
}

/** The replica a cloud names at `a[i]`, whose index must exceed the one before (`last`). */
function cloudHead(a: unknown[], i: number, last: number, r: Reader, cloudPath: string): ReplicaId {
  const replica = r.replica(a[i], cloudPath, i);
  if ((a[i] as number) <= last) fail('replica indexes must be strictly ascending', `${cloudPath}[${i}]`);
  return replica;
}

/**
 * A context's cloud. Since 1.3: index and count pairs, then the gap column; every message's cloud
 * dots together count against `maxEntries`, since a run of gaps declares any number of dots in
 * two bytes. Before: `[index, k, gap, ..., gap, index, k, ...]`, one flat column.
 */
function readCloud(
  a: unknown[],
  vv: ReadonlyMap<ReplicaId, number>,
  r: Reader,
  path: string,
): Map<ReplicaId, Set<number>> {
  const cloud = new Map<ReplicaId, Set<number>>();
  const cloudPath = `${path}.cloud`;
  let last = -1;
  if (r.minor < 3) {
    let i = 0;
    while (i < a.length) {
      const replica = cloudHead(a, i, last, r, cloudPath);
      last = a[i] as number;
      const k = asCount(a[i + 1], cloudPath, 1, i + 1);
      if (k > a.length - i - 2) fail(`declares ${k} dots, more than follow`, `${cloudPath}[${i}]`);
      i += 2;
      cloud.set(replica, new CloudDots(a, i, cloudPath).take(k, vv.get(replica) ?? 0));
      i += k;
    }
    return cloud;
  }
  if (a.length === 0) return cloud;
  if (a.length % 2 === 0) fail('expected index, count pairs, then the gap column', cloudPath);
  let total = 0;
  for (let i = 0; i < a.length - 1; i += 2) {
    cloudHead(a, i, last, r, cloudPath);
    last = a[i] as number;
    total += asCount(a[i + 1], cloudPath, 1, i + 1);
    if (total > r.limits.maxEntries - r.cloudDots) {
      fail(`clouds hold more than ${r.limits.maxEntries} dots (limit maxEntries)`, `${cloudPath}[${i + 1}]`);
    }
  }
  r.cloudDots += total;
  const dots = new CloudDots(readRuns(a[a.length - 1], total, `${cloudPath}.gaps`), 0, `${cloudPath}.gaps`);
  for (let i = 0; i < a.length - 1; i += 2) {
    const replica = r.replica(a[i], cloudPath, i);
    cloud.set(replica, dots.take(a[i + 1] as number, vv.get(replica) ?? 0));
  }
  return cloud;
}

/** A digest as `[seen, live]`, `live` a context or nil. */
export function writeDigest(d: Digest, w: Writer): unknown[] {
  return [writeContext(d.seen, w), d.live === undefined ? null : writeContext(d.live, w)];
}

/** Reads a {@link writeDigest} layout. */
export function readDigest(x: unknown, r: Reader, path: string): Digest {
  const [seen, live] = asTuple(x, 2, path);
  const digest: Digest = { seen: readContext(seen, r, `${path}.seen`) };
  return live === null ? digest : { ...digest, live: readContext(live, r, `${path}.live`) };
}
