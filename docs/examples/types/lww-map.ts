import { HybridLogicalClock } from '@nlbd/core';
import { LWWMapReplica } from '@nlbd/crdts';

let now = 1_000;
const clock = (id: string) => new HybridLogicalClock(id, { now: () => now });
const alice = new LWWMapReplica('alice', { clock: clock('alice') });
const bob = new LWWMapReplica('bob', { clock: clock('bob') });
alice.set('title', 'milk');
alice.set('owner', 'alice');
bob.merge(alice.takeDelta()!);

// Concurrently: alice renames the item at t = 2,000, bob deletes it at t = 3,000.
now = 2_000;
alice.set('title', 'oat milk');
now = 3_000;
bob.delete('title');
bob.merge(alice.takeDelta()!);
alice.merge(bob.takeDelta()!);
export const rows = [alice.value, bob.value]; // both Map { 'owner' → 'alice' }: the delete is later
