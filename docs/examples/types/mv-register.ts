import { MVRegisterReplica } from '@nlbd/crdts';

// alice and bob write a title concurrently: both values are kept.
const alice = new MVRegisterReplica('alice');
const bob = new MVRegisterReplica('bob');
alice.set('Groceries');
bob.set('Shopping');
bob.merge(alice.takeDelta()!);
alice.merge(bob.takeDelta()!);
export const conflict = [alice.value, bob.value]; // both ['Groceries', 'Shopping']

// A later write that has seen both replaces both.
alice.set('Groceries & shopping');
bob.merge(alice.takeDelta()!);
export const resolved = bob.value; // ['Groceries & shopping']
