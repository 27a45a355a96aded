import { GSetReplica } from '@nlbd/crdts';

// Both replicas add 'milk' concurrently; alice also adds 'eggs'. Adds are never undone.
const alice = new GSetReplica('alice');
const bob = new GSetReplica('bob');
alice.add('milk');
alice.add('eggs');
bob.add('milk');
bob.merge(alice.takeDelta()!);
alice.merge(bob.takeDelta()!);
export const items = [alice.value, bob.value]; // both Set { 'milk', 'eggs' }
