import { bytes, check, type Scenario, timed } from './scenario.js';

/** Scenario 5: many replicas count, then one replica merges them all. */
export const counters: Scenario = {
  id: 'counters',
  number: 5,
  title: 'Counters',
  measures:
    'replicas each increment many times (each its own edit); time to merge all their states into one fresh replica',
  *run(adapter, { sizes }) {
    const states = Array.from({ length: sizes.counterReplicas }, (_, i) => {
      const r = adapter.createReplica(`c${i}`);
      for (let n = 0; n < sizes.counterIncrements; n++) r.counterIncrement(1);
      return r.encodeState();
    });
    const merge = yield* timed(
      () => adapter.createReplica('sum'),
      (target) => {
        for (const state of states) target.apply(state);
        return target;
      },
      false,
    );
    const total = sizes.counterReplicas * sizes.counterIncrements;
    check(merge.last.value().counter === total, adapter, `the merged counter is not ${total}`);
    const perReplica = bytes('state bytes per replica', states);
    return [{ metric: 'merge all into one', unit: 'ms', stats: merge.time }, perReplica];
  },
};
