import {
  assertReplicaId,
  assertSafeCount,
  type Digest,
  DotContext,
  OverflowError,
  type ReplicaId,
  safeAdd,
} from '@nlbd/core';
import { countsSince } from './g-counter.js';
import { Replica, type ReplicaOptions } from './replica.js';

/** One replica's running totals in a PN-Counter: what it added and what it subtracted (both ≥ 0). */
export interface PNEntry {
  readonly inc: number;
  readonly dec: number;
}

/**
 * A PN-Counter's state: for each replica, its totals. Each replica only raises its own totals,
 * so the join is the pointwise maximum of each. Invariant: `inc + dec` of an entry is a safe
 * integer, and it is the entry's progress (the digest sends it).
 */
export type PNCounterState = Map<ReplicaId, PNEntry>;

const progress = (e: PNEntry): number => e.inc + e.dec;

function joinEntry(a: PNEntry | undefined, b: PNEntry): PNEntry {
  if (a === undefined) return b;
  if (a.inc >= b.inc && a.dec >= b.dec) return a;
  if (b.inc >= a.inc && b.dec >= a.dec) return b;
  return { inc: Math.max(a.inc, b.inc), dec: Math.max(a.dec, b.dec) };
}

/**
 * Joins one replica's totals into `target` (each the greater of the two), as joining a state
 * holding only them would; returns whether `target` changed. For a decoder that joins entries
 * as it has them, without building a state.
 */
export function joinPNEntryInto(target: PNCounterState, replica: ReplicaId, entry: PNEntry): boolean {
  const cur = target.get(replica);
  const next = joinEntry(cur, entry);
  if (next === cur || (cur !== undefined && next.inc === cur.inc && next.dec === cur.dec)) return false;
  target.set(replica, next);
  return true;
}

function step(s: PNCounterState, replica: ReplicaId, n: number, sign: 1 | -1): PNCounterState {
  const op = sign > 0 ? 'increment' : 'decrement';
  assertReplicaId(replica, `${op}.replica`);
  assertSafeCount(n, `${op}.n`);
  const value = PNCounter.value(s);
  if (!Number.isSafeInteger(value + sign * n)) {
    throw new OverflowError(
      `value ${value} ${sign > 0 ? '+' : '-'} ${n} leaves the safe integer range`,
      `${op}.n`,
    );
  }
  if (n === 0) return new Map();
  const cur = s.get(replica) ?? { inc: 0, dec: 0 };
  const next = sign > 0 ? { inc: cur.inc + n, dec: cur.dec } : { inc: cur.inc, dec: cur.dec + n };
  safeAdd(next.inc, next.dec, `${op}.n`);
  return new Map([[replica, next]]);
}

/**
 * PN-Counter: a counter that goes up and down; an exact integer. Past `Number.MAX_SAFE_INTEGER`
 * (either way) a mutator throws `OverflowError`, never wraps or rounds. A replica's lifetime
 * increments plus decrements must stay within the safe range too.
 * Concurrent case: alice adds 5 while bob subtracts 2: both see 3.
 * @example
 * const s = PNCounter.empty();
 * PNCounter.joinInto(s, PNCounter.decrement(s, 'bob', 2));
 * PNCounter.value(s); // -2
 */
export const PNCounter = {
  type: 'pncounter',
  empty: (): PNCounterState => new Map(),
  join(a: PNCounterState, b: PNCounterState): PNCounterState {
    const out = new Map(a);
    PNCounter.joinInto(out, b);
    return out;
  },
  joinInto(target: PNCounterState, source: PNCounterState): boolean {
    let changed = false;
    for (const [r, e] of source) if (joinPNEntryInto(target, r, e)) changed = true;
    return changed;
  },
  leq(a: PNCounterState, b: PNCounterState): boolean {
    for (const [r, e] of a) {
      const o = b.get(r);
      if (o === undefined || e.inc > o.inc || e.dec > o.dec) return false;
    }
    return true;
  },
  equals: (a: PNCounterState, b: PNCounterState): boolean => a.size === b.size && PNCounter.leq(a, b),
  value(s: PNCounterState): number {
    let inc = 0;
    let dec = 0;
    for (const e of s.values()) {
      inc += e.inc;
      dec += e.dec;
    }
    if (Number.isSafeInteger(inc) && Number.isSafeInteger(dec)) return inc - dec;
    // A total past the safe range does not make the value unsafe: increments and decrements
    // of different replicas may cancel. Only the exact value decides.
    let exact = 0n;
    for (const e of s.values()) exact += BigInt(e.inc) - BigInt(e.dec);
    const value = Number(exact);
    if (!Number.isSafeInteger(value) || BigInt(value) !== exact) {
      throw new OverflowError(`value ${exact} is outside the safe integer range`, 'pncounter.value');
    }
    return value;
  },
  digest(s: PNCounterState): Digest {
    const seen = DotContext.empty();
    for (const [r, e] of s) seen.vv.set(r, progress(e));
    return { seen };
  },
  deltaSince: (s: PNCounterState, d: Digest): PNCounterState => countsSince(s, d.seen, progress),
  clone: (s: PNCounterState): PNCounterState => new Map(s),

  /** The delta that adds `n` (safe integer ≥ 0, default 1). */
  increment: (s: PNCounterState, replica: ReplicaId, n = 1): PNCounterState => step(s, replica, n, 1),
  /** The delta that subtracts `n` (safe integer ≥ 0, default 1). */
  decrement: (s: PNCounterState, replica: ReplicaId, n = 1): PNCounterState => step(s, replica, n, -1),
} as const;

/**
 * A replica of a {@link PNCounter}.
 * @example
 * const c = new PNCounterReplica('alice');
 * c.increment(5);
 * c.decrement(2);
 * c.value; // 3
 */
export class PNCounterReplica extends Replica<PNCounterState, number> {
  constructor(id: ReplicaId, options: ReplicaOptions<PNCounterState> = {}) {
    super(PNCounter, id, options);
  }
  /** Adds `n` (default 1); returns the delta. */
  increment(n = 1): PNCounterState {
    return this.applyLocal(PNCounter.increment(this.state, this.id, n));
  }
  /** Subtracts `n` (default 1); returns the delta. */
  decrement(n = 1): PNCounterState {
    return this.applyLocal(PNCounter.decrement(this.state, this.id, n));
  }
}
