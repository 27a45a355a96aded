import { Counter, increment } from './counter.ts';

const alice = Counter.empty();
const bob = Counter.empty();

// A local update joins the delta into the replica's own state; the same delta is what gets sent.
const d1 = increment(alice, 'alice', 2);
Counter.joinInto(alice, d1);
const d2 = increment(bob, 'bob', 5);
Counter.joinInto(bob, d2);
const d3 = increment(alice, 'alice', 1);
Counter.joinInto(alice, d3);

// Deltas may arrive late, twice or out of order: join does not mind.
Counter.joinInto(bob, d3);
Counter.joinInto(bob, d1);
Counter.joinInto(bob, d1);
Counter.joinInto(alice, d2);

export const values = [Counter.value(alice), Counter.value(bob)]; // [8, 8]
export const converged = Counter.equals(alice, bob); // true
export const deltaIsSmall = d3.size; // 1: one entry, however many replicas the state has
