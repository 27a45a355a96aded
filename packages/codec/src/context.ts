import type { Digest, DotContext, ReplicaId } from '@nlbd/core';
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
 * A causal context as `[vector, cloud]`: the prefix by {@link writeVector}, and the cloud as one
 * flat column `[index, k, first, gap, ..., gap, index, k, ...]` of each replica's k out-of-order
 * dots, ascending, delta-coded. Compact by the `DotContext` invariant: a cloud's first dot is at
 * least `prefix + 2`, gaps are ≥ 1, no replica has an empty cloud.
 */
export function writeContext(ctx: DotContext, w: Writer): [number[], number[]] {
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
  const cloud: number[] = [];
  for (const [index, top, dots] of clouds) {
    cloud.push(index, dots.length);
    let prev = top + 1;
    for (const c of dots) {
      cloud.push(c - prev);
      prev = c;
    }
  }
  return [vector, cloud];
}

/** Reads a {@link writeContext} layout, refusing anything not compact or not canonical. */
export function readContext(x: unknown, r: Reader, path: string): DotContext {
  const [vx, cx] = asTuple(x, 2, path);
  const vv = readVector(vx, r, `${path}.vector`);
  const ctx: DotContext = { vv, cloud: new Map() };
  const a = asArray(cx, `${path}.cloud`);
  const cloudPath = `${path}.cloud`;
  let last = -1;
  let i = 0;
  while (i < a.length) {
    const replica = r.replica(a[i], cloudPath, i);
    if ((a[i] as number) <= last) fail('replica indexes must be strictly ascending', `${cloudPath}[${i}]`);
    last = a[i] as number;
    const k = asCount(a[i + 1], cloudPath, 1, i + 1);
    if (k > a.length - i - 2) fail(`declares ${k} dots, more than follow`, `${cloudPath}[${i}]`);
    const dots = new Set<number>();
    let c = (vv.get(replica) ?? 0) + 1;
    i += 2;
    for (let j = 0; j < k; j++, i++) {
      const gap = a[i];
      const next = c + (gap as number);
      // The first gap is from prefix + 1, so ≥ 1 means the cloud never touches the prefix.
      if (typeof gap !== 'number' || gap < 1 || !Number.isSafeInteger(next)) {
        fail('cloud dots must ascend, above the prefix + 1, as safe integers', `${path}.cloud[${i}]`);
      }
      dots.add(next);
      c = next;
    }
    ctx.cloud.set(replica, dots);
  }
  return ctx;
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
