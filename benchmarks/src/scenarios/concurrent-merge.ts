import type { Adapter, WorkloadReplica } from '@nlbd/adapters';
import type { Measured } from '../result.js';
import { check, fill, keys, type Scenario, sameValue, timed } from './scenario.js';

/** Two replicas that wrote `each` keys apiece concurrently, half of them the same keys. */
function concurrentPair(adapter: Adapter, each: number): [WorkloadReplica, WorkloadReplica] {
  const all = keys(each + each / 2);
  const a = adapter.createReplica('a');
  const b = adapter.createReplica('b');
  fill(a, all.slice(0, each));
  fill(b, all.slice(each / 2), each);
  return [a, b];
}

/** Scenario 3: merge two replicas that wrote concurrently, both ways; and the in-memory join. */
export const concurrentMerge: Scenario = {
  id: 'concurrent-merge',
  number: 3,
  title: 'Concurrent merge',
  measures:
    'two replicas each set keys concurrently (half overlapping); encode both and apply each into the other; ' +
    'where the library has one, the in-memory join of two maps',
  *run(adapter, { sizes }) {
    const merge = yield* timed(
      () => concurrentPair(adapter, sizes.mergeEach),
      ([a, b]) => {
        const fromA = a.encodeState();
        const fromB = b.encodeState();
        a.apply(fromB);
        b.apply(fromA);
        return [a, b] as const;
      },
      false,
    );
    const [a, b] = merge.last;
    check(sameValue(a, b), adapter, 'replicas differ after merging both ways');
    const measured: Measured[] = [{ metric: 'merge both ways', unit: 'ms', stats: merge.time }];
    if (a.joinFrom) {
      const join = yield* timed(
        () => concurrentPair(adapter, sizes.joinEntries),
        ([x, y]) => {
          x.joinFrom!(y);
          return x;
        },
        false,
      );
      check(
        Object.keys(join.last.value().map).length === sizes.joinEntries * 1.5,
        adapter,
        'the in-memory join lost entries',
      );
      measured.push({ metric: 'in-memory join', unit: 'ms', stats: join.time });
    }
    return measured;
  },
};
