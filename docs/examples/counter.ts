import { assertSafeCount, type Crdt, DotContext, type ReplicaId, safeAdd, VersionVector } from '@nlbd/core';

/**
 * A grow-only counter written out against the `Crdt` contract (`@nlbd/crdts` has the real one).
 * The state maps each replica to the total it has added; join is the pointwise maximum, so the
 * state is exactly a version vector.
 */
export const Counter: Crdt<VersionVector, number> = {
  type: 'example-counter',
  empty: VersionVector.empty,
  join: VersionVector.merge,
  joinInto: VersionVector.mergeInto,
  leq: VersionVector.leq,
  equals: VersionVector.equals,
  value: (s) => [...s.values()].reduce((sum, n) => safeAdd(sum, n, 'value'), 0),
  // A total of n from replica r summarises r's events 1..n.
  digest: (s) => ({ seen: DotContext.from(s) }),
  // Only the entries the digest's owner lacks.
  deltaSince: (s, d) => new Map([...s].filter(([replica, n]) => n > VersionVector.get(d.seen.vv, replica))),
  clone: VersionVector.clone,
};

/** The delta mutator: returns the one entry that changes, and leaves `s` alone. */
export function increment(s: VersionVector, replica: ReplicaId, n: number): VersionVector {
  assertSafeCount(n, 'increment.n', 1);
  return new Map([[replica, safeAdd(VersionVector.get(s, replica), n, 'increment')]]);
}
