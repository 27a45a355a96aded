import { timeSamples } from '../measure.js';
import type { Measured } from '../result.js';
import { bytes, check, filled, keys, type Scenario, sameValue } from './scenario.js';

/** Scenario 4: after a large map is in sync, a few more edits travel as an update. */
export const incrementalSync: Scenario = {
  id: 'incremental-sync',
  number: 4,
  title: 'Incremental sync',
  measures:
    'with a large map in sync on two replicas, one makes a few more sets (one batch); ' +
    'time for the digest, the update since it and its apply, and the update’s bytes',
  run(adapter, { sizes, repetitions }) {
    return sizes.incrementalBases.flatMap((base): Measured[] => {
      const a = filled(adapter, 'a', base);
      const b = adapter.createReplica('b');
      b.apply(a.encodeState());
      const list = keys(base);
      // Overwrites spread over the whole map, different ones each sample.
      const step = Math.floor(base / sizes.incrementalSets) || 1;
      let round = 0;
      const edit = () => {
        round++;
        a.transact(() => {
          for (let j = 0; j < sizes.incrementalSets; j++) a.mapSet(list[(j * step + round) % base]!, -round);
        });
        return b;
      };
      let digest: Uint8Array = new Uint8Array();
      const update = timeSamples(repetitions, edit, (receiver) => {
        digest = receiver.digest();
        const delta = a.encodeSince(digest);
        receiver.apply(delta);
        return delta;
      });
      check(sameValue(a, b), adapter, `replicas differ after incremental sync over ${base} entries`);
      const at = `@${base}`;
      return [
        { metric: `digest + update + apply ${at}`, unit: 'ms', stats: update.time },
        bytes(`update bytes ${at}`, update.results),
        bytes(`digest bytes ${at}`, [digest]),
      ];
    });
  },
};
