import { HybridLogicalClock } from '@nlbd/core';
import { LWWRegisterReplica } from '@nlbd/crdts';

// Clocks are injected so the example is deterministic: both physical clocks read 5,000 ms.
const clock = (id: string) => new HybridLogicalClock(id, { now: () => 5_000 });
const alice = new LWWRegisterReplica('alice', { clock: clock('alice') });
const bob = new LWWRegisterReplica('bob', { clock: clock('bob') });
alice.set('red');
bob.set('blue'); // the same wall time and counter: the greater replica id, 'bob', wins
bob.merge(alice.takeDelta()!);
alice.merge(bob.takeDelta()!);
export const colour = [alice.value, bob.value]; // ['blue', 'blue']
