import { DotContext } from '@nlbd/core';

// bob receives alice's events 1, 2 and 4: event 3 is still on its way.
const seen = DotContext.empty();
for (const counter of [1, 2, 4]) DotContext.add(seen, { replica: 'alice', counter });

export const prefixBefore = seen.vv.get('alice'); // 2: events 1..2, contiguous
export const cloudBefore = DotContext.cloudDots(seen); // [{ replica: 'alice', counter: 4 }]
export const hasThree = DotContext.has(seen, { replica: 'alice', counter: 3 }); // false

// When 3 arrives the context compacts: 4 leaves the cloud and the vector says 4.
DotContext.add(seen, { replica: 'alice', counter: 3 });
export const prefixAfter = seen.vv.get('alice'); // 4
export const cloudAfter = DotContext.cloudDots(seen); // []

// bob names his own next event with next(): a dot no replica has used.
export const mine = DotContext.next(seen, 'bob'); // { replica: 'bob', counter: 1 }
