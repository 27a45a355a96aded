import { assertReplicaId, compareDots, DotContext, type ReplicaId } from '@nlbd/core';
import { type Causal, causalLattice, contextOf, type DotFun, dotFunStore } from './causal.js';
import { Replica, type ReplicaOptions } from './replica.js';
import { storableValue, type Value, valueEquals } from './value.js';

/** An MV-Register's state: the value of each write not yet overwritten, by its dot; and the context. */
export type MVRegisterState = Causal<DotFun<Value>>;

const store = dotFunStore<Value>(valueEquals);
const lattice = causalLattice(store);

/**
 * MV-Register: a multi-value register. A write replaces the values it has seen; concurrent writes
 * are all kept until a later write sees them.
 * Concurrent case: alice writes 'a' while bob writes 'b': both read `['a', 'b']` (ordered by
 * writer, then event) until one of them writes again.
 * @example
 * const s = MVRegister.empty();
 * MVRegister.joinInto(s, MVRegister.set(s, 'alice', 'draft'));
 * MVRegister.value(s); // ['draft']
 */
export const MVRegister = {
  type: 'mvregister',
  ...lattice,
  store,
  /** The concurrent values, ordered by their writes' dots (deterministic on every replica). */
  value: (s: MVRegisterState): Value[] =>
    [...s.store].sort((a, b) => compareDots(a.dot, b.dot)).map((e) => e.value),

  /** The delta writing `value`, overwriting every value seen so far. */
  set(s: MVRegisterState, replica: ReplicaId, value: Value): MVRegisterState {
    assertReplicaId(replica, 'set.replica');
    const stored = storableValue(value, 'set.value');
    const dot = { replica, counter: DotContext.max(s.context, replica) + 1 };
    return { store: [{ dot, value: stored }], context: contextOf([dot, ...s.store.map((e) => e.dot)]) };
  },
  /** The delta clearing the register: removes every value seen so far. */
  clear: (s: MVRegisterState): MVRegisterState => ({
    store: [],
    context: contextOf(s.store.map((e) => e.dot)),
  }),
} as const;

/**
 * A replica of an {@link MVRegister}.
 * @example
 * const r = new MVRegisterReplica('alice');
 * r.set('draft');
 * r.value; // ['draft']
 */
export class MVRegisterReplica extends Replica<MVRegisterState, Value[]> {
  constructor(id: ReplicaId, options: ReplicaOptions<MVRegisterState> = {}) {
    super(MVRegister, id, options);
  }
  /** Writes `value`, replacing the values seen so far; returns the delta. */
  set(value: Value): MVRegisterState {
    return this.applyLocal(MVRegister.set(this.state, this.id, value));
  }
  /** Clears the values seen so far; returns the delta. */
  clear(): MVRegisterState {
    return this.applyLocal(MVRegister.clear(this.state));
  }
}
