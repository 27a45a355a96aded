import { check, fill, keys, type Scenario, timed } from './scenario.js';

/** Scenario 1: local map writes, batched as each library recommends. */
export const localSets: Scenario = {
  id: 'local-sets',
  number: 1,
  title: 'LWW-map local sets',
  measures:
    'time to set distinct keys into a fresh replica, and to overwrite fewer keys many times (one batch a round)',
  *run(adapter, { sizes }) {
    const distinct = keys(sizes.distinctSets);
    const overwritten = keys(sizes.overwriteKeys);
    const fresh = () => adapter.createReplica('a');
    const sets = yield* timed(fresh, (r) => fill(r, distinct));
    const overwrites = yield* timed(
      fresh,
      (r) => {
        for (let round = 0; round < sizes.overwriteTimes; round++) fill(r, overwritten, round);
        return r;
      },
      false,
    );
    const last = overwrites.last.value().map;
    check(last[overwritten[0]!] === sizes.overwriteTimes - 1, adapter, 'the last overwrite did not win');
    check(Object.keys(last).length === overwritten.length, adapter, 'overwrites lost keys');
    return [
      { metric: `${distinct.length} distinct sets`, unit: 'ms', stats: sets.time },
      { metric: `${overwritten.length} keys x ${sizes.overwriteTimes}`, unit: 'ms', stats: overwrites.time },
    ];
  },
};
