import { GCounterReplica, PNCounterReplica } from '@nlbd/crdts';

// Two replicas count page views at the same time, then exchange their deltas.
const alice = new GCounterReplica('alice');
const bob = new GCounterReplica('bob');
alice.increment(2);
bob.increment(3);
bob.merge(alice.takeDelta()!);
alice.merge(bob.takeDelta()!);
export const views = [alice.value, bob.value]; // [5, 5]

// A stock level goes down on one replica while it goes up on the other. Full states merge
// exactly like deltas.
const shop = new PNCounterReplica('shop');
const warehouse = new PNCounterReplica('warehouse', { state: shop.state });
shop.decrement(2);
warehouse.increment(5);
const [before, after] = [shop.state, warehouse.state];
shop.merge(after);
warehouse.merge(before);
export const stock = [shop.value, warehouse.value]; // [3, 3]
