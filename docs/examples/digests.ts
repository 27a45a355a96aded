import { Counter, increment } from './counter.ts';

const alice = Counter.empty();
Counter.joinInto(alice, increment(alice, 'alice', 2));
Counter.joinInto(alice, increment(Counter.empty(), 'bob', 5)); // a delta from bob

// carol was offline and missed alice's latest increment; she sends her digest.
const carol = Counter.clone(alice);
Counter.joinInto(alice, increment(alice, 'alice', 1));

// alice answers with only what carol lacks, and one join brings carol up to date.
export const answer = Counter.deltaSince(alice, Counter.digest(carol)); // alice → 3 (bob's 5 is not resent)
Counter.joinInto(carol, answer);
export const caughtUp = Counter.leq(alice, carol); // true
