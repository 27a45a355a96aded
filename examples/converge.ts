/**
 * Three replicas edit a shared shopping list and a counter while partitioned, exchange deltas in
 * a scrambled order (with a duplicate and a lost message), then converge.
 * Run: `npx -y pnpm@10 demo`.
 */
import { LWWMapReplica, ORSetReplica, PNCounterReplica } from '@nlbd/crdts';

const names = ['alice', 'bob', 'carol'] as const;
const lists = names.map((id) => new ORSetReplica(id));
const prices = names.map((id) => new LWWMapReplica(id));
const budget = names.map((id) => new PNCounterReplica(id));
const show = (label: string) => {
  console.log(`\n${label}`);
  names.forEach((id, i) => {
    const list = [...(lists[i]?.value ?? [])].sort().join(', ');
    const priced = [...(prices[i]?.value ?? [])]
      .sort()
      .map(([k, v]) => `${String(k)}=${String(v)}`)
      .join(' ');
    console.log(`  ${id.padEnd(6)} list: {${list}}  prices: ${priced || '-'}  budget: ${budget[i]?.value}`);
  });
};

// Offline edits, concurrently on every replica.
const [a, b, c] = lists as [ORSetReplica, ORSetReplica, ORSetReplica];
a.add('milk');
a.add('eggs');
b.add('bread');
c.add('eggs');
prices[0]?.set('milk', 1.2);
prices[1]?.set('milk', 1.1);
prices[2]?.set('bread', 2.5);
budget[0]?.increment(50);
budget[1]?.decrement(12);
show('While partitioned (each replica sees only its own edits):');

// Everyone produces one delta per object; deliver them in a scrambled order, with one message
// delivered twice and one lost (a later full-state exchange repairs the loss).
type Message = () => void;
const outbox: Message[] = [];
names.forEach((_, from) => {
  const dl = lists[from]?.takeDelta();
  const dp = prices[from]?.takeDelta();
  const db = budget[from]?.takeDelta();
  names.forEach((__, to) => {
    if (to === from) return;
    if (dl) outbox.push(() => lists[to]?.merge(dl));
    if (dp) outbox.push(() => prices[to]?.merge(dp));
    if (db) outbox.push(() => budget[to]?.merge(db));
  });
});
outbox.reverse();
outbox.push(outbox[0] as Message); // a duplicate
outbox.splice(3, 1); // a loss
for (const deliver of outbox) deliver();

// Carol removes 'eggs' after seeing both adds; meanwhile alice re-adds it: add wins.
c.remove('eggs');
a.add('eggs');
for (const [from, to] of [
  [2, 0],
  [0, 1],
  [0, 2],
] as const) {
  const delta = lists[from]?.takeDelta();
  if (delta) {
    lists[to]?.merge(delta);
    // Forwarded deltas reach the third replica as well.
    lists[3 - from - to]?.merge(delta);
  }
}

// One full-state exchange (anti-entropy) repairs the lost message.
for (const group of [lists, prices, budget] as const) {
  for (const x of group) for (const y of group) (y as { merge(s: unknown): boolean }).merge(x.state);
}
show('After exchanging deltas (scrambled, duplicated, one lost) and one anti-entropy round:');

const canonical = (x: { value: unknown }) => JSON.stringify([...(x.value as Iterable<unknown>)].sort());
const same = (xs: readonly { value: unknown }[]) => xs.every((x) => canonical(x) === canonical(xs[0] ?? x));
const converged = same(lists) && same(prices) && budget.every((x) => x.value === budget[0]?.value);
console.log(`\nconverged: ${converged}`);
if (!converged) process.exitCode = 1;
