import { EWFlagReplica } from '@nlbd/crdts';

// A "done" flag: alice turns it off while bob, concurrently, turns it on.
const alice = new EWFlagReplica('alice');
const bob = new EWFlagReplica('bob');
alice.enable();
bob.merge(alice.takeDelta()!);
alice.disable();
bob.enable();
bob.merge(alice.takeDelta()!);
alice.merge(bob.takeDelta()!);
export const done = [alice.value, bob.value]; // [true, true]: enable wins
