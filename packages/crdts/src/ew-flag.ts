import { assertReplicaId, DotContext, type ReplicaId } from '@nlbd/core';
import { type Causal, causalLattice, contextOf, type DotSet, DotSetStore } from './causal.js';
import { Replica, type ReplicaOptions } from './replica.js';

/** An EW-Flag's state: the dots of the enables not yet seen by a disable, and the context. */
export type EWFlagState = Causal<DotSet>;

const lattice = causalLattice(DotSetStore);

/**
 * EW-Flag: an enable-wins boolean. A disable turns off only the enables it has seen.
 * Concurrent case: alice enables while bob disables: the flag is on everywhere.
 * @example
 * const s = EWFlag.empty();
 * EWFlag.joinInto(s, EWFlag.enable(s, 'alice'));
 * EWFlag.value(s); // true
 */
export const EWFlag = {
  type: 'ewflag',
  ...lattice,
  store: DotSetStore,
  value: (s: EWFlagState): boolean => s.store.length > 0,

  /** The delta turning the flag on (replacing the enables seen so far by one fresh dot). */
  enable(s: EWFlagState, replica: ReplicaId): EWFlagState {
    assertReplicaId(replica, 'enable.replica');
    const dot = { replica, counter: DotContext.max(s.context, replica) + 1 };
    return { store: [dot], context: contextOf([dot, ...s.store]) };
  },
  /** The delta turning the flag off: removes every enable seen so far. */
  disable: (s: EWFlagState): EWFlagState => ({ store: [], context: contextOf(s.store) }),
} as const;

/**
 * A replica of an {@link EWFlag}.
 * @example
 * const f = new EWFlagReplica('alice');
 * f.enable();
 * f.value; // true
 */
export class EWFlagReplica extends Replica<EWFlagState, boolean> {
  constructor(id: ReplicaId, options: ReplicaOptions<EWFlagState> = {}) {
    super(EWFlag, id, options);
  }
  /** Turns the flag on; returns the delta. */
  enable(): EWFlagState {
    return this.applyLocal(EWFlag.enable(this.state, this.id));
  }
  /** Turns the flag off (the enables seen so far); returns the delta. */
  disable(): EWFlagState {
    return this.applyLocal(EWFlag.disable(this.state));
  }
}
