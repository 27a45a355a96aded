import { bytes, filled, type Scenario, shipToEmpty, timed } from './scenario.js';

/** Scenario 2: ship a whole map to a replica that has nothing. */
export const fullSync: Scenario = {
  id: 'full-sync',
  number: 2,
  title: 'Full-state sync',
  measures:
    'encode a replica holding the whole map, then decode and merge it into an empty replica (and read it all out)',
  *run(adapter, { sizes }) {
    const source = filled(adapter, 'a', sizes.fullState);
    const { encode, apply, state } = yield* shipToEmpty(adapter, source);
    // Some libraries decode lazily (Loro), so also time reading every entry back out.
    const readOut = yield* timed(
      () => adapter.createReplica('b'),
      (r) => {
        r.apply(state);
        return Object.keys(r.value().map).length;
      },
    );
    return [
      { metric: 'encode', unit: 'ms', stats: encode.time },
      { metric: 'apply into empty', unit: 'ms', stats: apply.time },
      { metric: 'apply + read out', unit: 'ms', stats: readOut.time },
      bytes('state bytes', encode.results),
    ];
  },
};
