import { ORSetReplica } from '@nlbd/crdts';

// Both replicas start with 'milk'. Then, concurrently, alice removes it and bob adds it again.
const alice = new ORSetReplica('alice');
const bob = new ORSetReplica('bob');
alice.add('milk');
alice.add('bread');
bob.merge(alice.takeDelta()!);
alice.remove('milk'); // removes the add alice has seen
bob.add('milk'); // a new add, which alice's remove has not seen
bob.remove('bread');
bob.merge(alice.takeDelta()!);
alice.merge(bob.takeDelta()!);
export const items = [alice.value, bob.value]; // both Set { 'milk' }: the add wins
