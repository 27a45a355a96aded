import type { WorkloadReplica } from '@nlbd/adapters';
import type { Measured } from '../result.js';
import { bytes, check, filled, keys, type Scenario, sameValue, timed } from './scenario.js';

/** Scenario 4: after a large map is in sync, a few more edits travel as an update. */
export const incrementalSync: Scenario = {
  id: 'incremental-sync',
  number: 4,
  title: 'Incremental sync',
  measures:
    'with a large map in sync on two replicas, one makes a few more sets (one batch); ' +
    'time for the digest, the update since it and its apply, and the update’s bytes',
  *run(adapter, { sizes }) {
    // Every base gets the same edits, so that the base's size is the only difference between
    // their updates: 100 keys spread over the smallest base, shifted by one each sample, set to
    // values from -1 to -31 (one byte in msgpack). Once every key of that span has been edited,
    // the pair is built afresh: every update then overwrites entries of the first fill, however
    // many warm-ups an adapter ran (Yjs v2's update shrank from 429 to 239 bytes when its keys'
    // last writes were recent ones).
    const span = Math.min(...sizes.incrementalBases);
    const step = Math.floor(span / sizes.incrementalSets) || 1;
    const measured: Measured[] = [];
    for (const base of sizes.incrementalBases) {
      const list = keys(base);
      let a!: WorkloadReplica;
      let b!: WorkloadReplica;
      let round = step;
      const edit = () => {
        if (round === step) {
          a = filled(adapter, 'a', base);
          b = adapter.createReplica('b');
          b.apply(a.encodeState());
          round = 0;
        }
        round++;
        a.transact(() => {
          for (let j = 0; j < sizes.incrementalSets; j++)
            a.mapSet(list[(j * step + round) % span]!, -1 - (round % 31));
        });
        return b;
      };
      let digest: Uint8Array = new Uint8Array();
      const update = yield* timed(edit, (receiver) => {
        digest = receiver.digest();
        const delta = a.encodeSince(digest);
        receiver.apply(delta);
        return delta;
      });
      check(sameValue(a, b), adapter, `replicas differ after incremental sync over ${base} entries`);
      const at = `@${base}`;
      measured.push(
        { metric: `digest + update + apply ${at}`, unit: 'ms', stats: update.time },
        bytes(`update bytes ${at}`, update.results),
        bytes(`digest bytes ${at}`, [digest]),
      );
    }
    return measured;
  },
};
