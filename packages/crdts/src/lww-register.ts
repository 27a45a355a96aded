import {
  assertReplicaId,
  type Digest,
  DotContext,
  type HybridLogicalClock,
  type ReplicaId,
  type Timestamp,
} from '@nlbd/core';
import { checkLWWEntries, clockFor, LWWMap, type LWWMapState, type LWWReplicaOptions } from './lww-map.js';
import { Replica } from './replica.js';
import { assertValue, type Value } from './value.js';

/**
 * An LWW-Register's state: an LWW-Map with the single key `0`, so the two share one join, one
 * digest and one encoding.
 */
export type LWWRegisterState = LWWMapState;

const SLOT = 0;

/**
 * LWW-Register: holds the value of the write with the greatest hybrid-logical timestamp, ties
 * broken by replica id. Value `undefined` until the first write.
 * Concurrent case: alice writes 'a' at t=5, bob writes 'b' at t=5 too: 'b' wins everywhere
 * ('bob' > 'alice').
 * @example
 * const clock = new HybridLogicalClock('alice');
 * const s = LWWRegister.empty();
 * LWWRegister.joinInto(s, LWWRegister.set(s, 'alice', 42, clock));
 * LWWRegister.value(s); // 42
 */
export const LWWRegister = {
  type: 'lwwregister',
  empty: (): LWWRegisterState => LWWMap.empty(),
  join: (a: LWWRegisterState, b: LWWRegisterState): LWWRegisterState => LWWMap.join(a, b),
  joinInto: (t: LWWRegisterState, s: LWWRegisterState): boolean => LWWMap.joinInto(t, s),
  leq: (a: LWWRegisterState, b: LWWRegisterState): boolean => LWWMap.leq(a, b),
  equals: (a: LWWRegisterState, b: LWWRegisterState): boolean => LWWMap.equals(a, b),
  value: (s: LWWRegisterState): Value | undefined => LWWMap.get(s, SLOT),
  digest: (s: LWWRegisterState): Digest => ({ seen: DotContext.clone(s.context) }),
  deltaSince: (s: LWWRegisterState, d: Digest): LWWRegisterState => LWWMap.deltaSince(s, d),
  clone: (s: LWWRegisterState): LWWRegisterState => LWWMap.clone(s),

  /** The delta writing `value`, stamped by `clock` (which must be `replica`'s). */
  set(s: LWWRegisterState, replica: ReplicaId, value: Value, clock: HybridLogicalClock): LWWRegisterState {
    assertReplicaId(replica, 'set.replica');
    assertValue(value, 'set.value');
    return LWWMap.set(s, replica, SLOT, value, clock);
  },
} as const;

/**
 * A replica of an {@link LWWRegister}, with its own hybrid logical clock.
 * @example
 * const r = new LWWRegisterReplica('alice');
 * r.set(42);
 * r.value; // 42
 */
export class LWWRegisterReplica extends Replica<LWWRegisterState, Value | undefined> {
  /** The clock stamping this replica's writes. */
  readonly clock: HybridLogicalClock;
  #latest: Timestamp | undefined;

  constructor(id: ReplicaId, options: LWWReplicaOptions<LWWRegisterState> = {}) {
    super(LWWRegister, id, options);
    this.clock = clockFor(id, options.clock);
  }
  /** Writes `value`; returns the delta. */
  set(value: Value): LWWRegisterState {
    return this.applyLocal(LWWRegister.set(this.state, this.id, value, this.clock));
  }
  protected override checkIncoming(incoming: LWWRegisterState): void {
    this.#latest = checkLWWEntries(this.clock, incoming.entries.values());
  }
  protected override afterMerge(): void {
    if (this.#latest !== undefined && this.#latest.replica !== this.id) this.clock.receive(this.#latest);
  }
}
