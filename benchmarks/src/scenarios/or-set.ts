import { bytes, check, keys, type Scenario, shipToEmpty, timed } from './scenario.js';

/** Scenario 6: a large set with half its elements removed, shipped to an empty replica. */
export const orSet: Scenario = {
  id: 'or-set',
  number: 6,
  title: 'OR-Set',
  measures: 'add elements and remove half of them (one batch), then encode and merge into an empty replica',
  *run(adapter, { sizes }) {
    const elements = keys(sizes.setAdds);
    const local = yield* timed(
      () => adapter.createReplica('a'),
      (r) => {
        r.transact(() => {
          for (const e of elements) r.setAdd(e);
          for (let i = 0; i < sizes.setRemoves; i++) r.setRemove(elements[i]!);
        });
        return r;
      },
      false,
    );
    const { encode, apply: merge, received } = yield* shipToEmpty(adapter, local.last);
    check(received.value().set.length === sizes.setAdds - sizes.setRemoves, adapter, 'wrong set size');
    return [
      { metric: 'add + remove', unit: 'ms', stats: local.time },
      { metric: 'encode', unit: 'ms', stats: encode.time },
      { metric: 'merge into empty', unit: 'ms', stats: merge.time },
      bytes('state bytes', encode.results),
    ];
  },
};
