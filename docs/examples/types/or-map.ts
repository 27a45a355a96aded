import { ORMap, ORMapReplica, ORSet, PNCounter } from '@nlbd/crdts';

// Lists of items: an OR-Map of OR-Sets. alice removes the 'list' key while bob, concurrently,
// adds 'eggs' to it.
const Lists = ORMap.of(ORSet);
const alice = new ORMapReplica(Lists, 'alice');
const bob = new ORMapReplica(Lists, 'bob');
alice.update('list', (set, id) => ORSet.add(set, id, 'milk'));
bob.merge(alice.takeDelta()!);
alice.remove('list');
bob.update('list', (set, id) => ORSet.add(set, id, 'eggs'));
bob.merge(alice.takeDelta()!);
alice.merge(bob.takeDelta()!);
export const lists = [alice.value, bob.value]; // both Map { 'list' → Set { 'eggs' } }

// Votes: an OR-Map of PN-Counters, values without dots of their own. A concurrent update
// survives a removal with the whole value its writer saw.
const Votes = ORMap.of(PNCounter);
const carol = new ORMapReplica(Votes, 'carol');
const dave = new ORMapReplica(Votes, 'dave');
carol.update('pizza', (c, id) => PNCounter.increment(c, id, 2));
dave.merge(carol.takeDelta()!);
carol.remove('pizza');
dave.update('pizza', (c, id) => PNCounter.increment(c, id, 1));
dave.merge(carol.takeDelta()!);
carol.merge(dave.takeDelta()!);
export const votes = [carol.value, dave.value]; // both Map { 'pizza' → 3 }
