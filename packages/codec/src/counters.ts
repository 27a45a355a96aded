import type { ReplicaId } from '@nlbd/core';
import { type GCounterState, joinPNEntryInto, type PNCounterState, type PNEntry } from '@nlbd/crdts';
import { readVector, writeVector } from './context.js';
import type { StateCodec } from './layout.js';
import { asArray, asCount, asTuple, fail, type Reader } from './wire.js';

/** G-Counter: `[counts]`, one flat column `[index, total, ...]`, indexes ascending, totals ≥ 1. */
export const gcounterCodec: StateCodec<GCounterState> = {
  write: (s, w) => [writeVector(s, w)],
  read: (x, r, path) => readVector(asTuple(x, 1, path)[0], r, `${path}.counts`),
};

/**
 * PN-Counter: `[totals]`, one flat column `[index, inc, dec, ...]`, indexes ascending; `inc`, `dec`
 * safe integers ≥ 0 whose sum is a safe integer ≥ 1. A received state joins entry by entry
 * (`readJoin`), with no state built.
 */
export const pncounterCodec: StateCodec<PNCounterState> = {
  write(s, w) {
    for (const r of [...s.keys()].sort()) w.intern(r);
    const rows = [...s].map(([r, e]): [number, PNEntry] => [w.intern(r), e]).sort((a, b) => a[0] - b[0]);
    return [rows.flatMap(([i, e]) => [i, e.inc, e.dec])];
  },
  read(x, r, path) {
    const { replicas, entries } = readTotals(x, r, path);
    const out: PNCounterState = new Map();
    for (let i = 0; i < replicas.length; i++) out.set(replicas[i] as ReplicaId, entries[i] as PNEntry);
    return out;
  },
  readJoin(x, r, path) {
    const { replicas, entries } = readTotals(x, r, path);
    return (target) => {
      let changed = false;
      for (let i = 0; i < replicas.length; i++)
        if (joinPNEntryInto(target, replicas[i] as ReplicaId, entries[i] as PNEntry)) changed = true;
      return changed;
    };
  },
};

/** The validated rows of a PN-Counter layout: each replica (ascending index) and its totals. */
function readTotals(x: unknown, r: Reader, path: string): { replicas: ReplicaId[]; entries: PNEntry[] } {
  const totals = `${path}.totals`;
  const a = asArray(asTuple(x, 1, path)[0], totals);
  if (a.length % 3 !== 0) fail('expected index, inc, dec triples', totals);
  const replicas: ReplicaId[] = new Array(a.length / 3);
  const entries: PNEntry[] = new Array(a.length / 3);
  let last = -1;
  for (let i = 0; i < a.length; i += 3) {
    const replica = r.replica(a[i], totals, i);
    if ((a[i] as number) <= last) fail('replica indexes must be strictly ascending', `${totals}[${i}]`);
    last = a[i] as number;
    const inc = asCount(a[i + 1], totals, 0, i + 1);
    const dec = asCount(a[i + 2], totals, 0, i + 2);
    if (!Number.isSafeInteger(inc + dec) || inc + dec === 0)
      fail('inc + dec must be a safe integer ≥ 1', `${totals}[${i}]`);
    replicas[i / 3] = replica;
    entries[i / 3] = { inc, dec };
  }
  return { replicas, entries };
}
