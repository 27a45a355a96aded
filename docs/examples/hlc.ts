import { compareTimestamps, HybridLogicalClock, ValidationError } from '@nlbd/core';

// A physical clock the example controls, so its output is always the same.
let physical = 1_000;
const clock = new HybridLogicalClock('alice', { now: () => physical, maxForwardSkewMs: 5_000 });

const t1 = clock.now(); // { wall: 1000, counter: 0, replica: 'alice' }
physical = 400; // the wall clock jumps back (an NTP correction, say)
const t2 = clock.now(); // { wall: 1000, counter: 1, replica: 'alice' }: still after t1
const t3 = clock.receive({ wall: 3_000, counter: 7, replica: 'bob' }); // { wall: 3000, counter: 8, ... }

export const timestamps = [t1, t2, t3];
export const increasing = compareTimestamps(t1, t2) < 0 && compareTimestamps(t2, t3) < 0; // true

// A remote clock far ahead is refused, and the clock is left as it was.
export let refused = '';
try {
  clock.receive({ wall: 1_000_000, counter: 0, replica: 'mallory' });
} catch (error) {
  if (error instanceof ValidationError) refused = error.message;
}
export const last = clock.last; // still t3's wall and counter
