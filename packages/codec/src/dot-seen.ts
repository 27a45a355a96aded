import type { ReplicaId } from '@nlbd/core';

/** One replica's counters: ascending, disjoint runs of consecutive counters, and the rest. */
interface Counters {
  /** Run `i` holds `starts[i]` to `ends[i]`; runs ascend and do not touch. */
  readonly starts: number[];
  readonly ends: number[];
  /** Counters that came below the highest one so far and in no run. */
  others: Set<number> | undefined;
}

/**
 * The dots read so far from one state, to refuse a dot held twice (a dot names one update, held
 * in one place). Each replica's counters are kept as runs of consecutive counters as long as they
 * come in ascending order, the rule (a store's dot column lists each element's dots ascending,
 * and a store written in key order by one writer adding in that order has them ascending
 * throughout): such a dot costs extending a run or starting one, where a hash set's insert cost
 * far more (a `DotContext`'s cloud took a quarter of applying a 50k-element OR-Set). A counter
 * below the highest so far is looked up among the runs by binary search, then kept in a set.
 */
export class DotSeen {
  readonly #byReplica = new Map<ReplicaId, Counters>();

  /** Records the dot `(replica, counter)`; false if it was recorded before. */
  add(replica: ReplicaId, counter: number): boolean {
    const c = this.#byReplica.get(replica);
    if (c === undefined) {
      this.#byReplica.set(replica, { starts: [counter], ends: [counter], others: undefined });
      return true;
    }
    const { starts, ends } = c;
    const last = ends.length - 1;
    const top = ends[last] as number;
    if (counter > top) {
      if (counter === top + 1) ends[last] = counter;
      else {
        starts.push(counter);
        ends.push(counter);
      }
      return true;
    }
    // The last run that starts at or below `counter`, if any.
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= counter) lo = mid;
      else hi = mid - 1;
    }
    if ((starts[lo] as number) <= counter && counter <= (ends[lo] as number)) return false;
    c.others ??= new Set();
    if (c.others.has(counter)) return false;
    c.others.add(counter);
    return true;
  }
}
