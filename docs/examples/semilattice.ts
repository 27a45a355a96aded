import { VersionVector } from '@nlbd/core';

// What two replicas know: alice has seen two of her own events; bob one of alice's and one of his.
const alice = VersionVector.from([['alice', 2]]);
const bob = VersionVector.from([
  ['alice', 1],
  ['bob', 1],
]);

// Join (for version vectors: merge, the pointwise maximum) is commutative and idempotent...
export const joined = VersionVector.merge(alice, bob); // alice → 2, bob → 1
export const commutes = VersionVector.equals(joined, VersionVector.merge(bob, alice)); // true
export const idempotent = VersionVector.equals(VersionVector.merge(joined, bob), joined); // true

// ...and it defines the order: a ⊑ b exactly when join(a, b) is b.
export const aliceBelowJoin = VersionVector.leq(alice, joined); // true
export const ordering = VersionVector.compare(alice, bob); // 'concurrent': neither saw all the other saw
