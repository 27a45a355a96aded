import type { WorkloadReplica } from '@nlbd/adapters';
import { summarize } from '../stats.js';
import { check, keys, type Scenario, sameValue, timed } from './scenario.js';

/** Scenario 7: many replicas write a shared map concurrently, then everyone syncs through a hub. */
export const manyWriters: Scenario = {
  id: 'many-writers',
  number: 7,
  title: 'Many writers',
  measures:
    'writers each set a few keys of a shared map concurrently; then a hub pulls from every writer and every ' +
    'writer pulls from the hub (digest + update each way); time, bytes sent, final state size',
  *run(adapter, { sizes }) {
    const shared = keys(sizes.sharedKeys);
    const writers = () =>
      Array.from({ length: sizes.writers }, (_, w) => {
        const r = adapter.createReplica(`w${w}`);
        r.transact(() => {
          for (let j = 0; j < sizes.writerKeys; j++)
            r.mapSet(shared[(w * sizes.writerKeys + j) % shared.length]!, w);
        });
        return r;
      });
    // Only the last run's replicas are kept, for the check, and dropped by the next run's setup
    // before it builds its writers: a thousand documents of a thousand keys each (Yjs holds over
    // a GB of them at the full size) must not be held twice, nor piled up sample after sample.
    let last: { hub: WorkloadReplica; all: WorkloadReplica[] } | undefined;
    const fresh = () => {
      last = undefined;
      return writers();
    };
    const sync = yield* timed(fresh, (all) => {
      const hub = adapter.createReplica('hub');
      let sent = 0;
      const pull = (to: WorkloadReplica, from: WorkloadReplica) => {
        const digest = to.digest();
        const update = from.encodeSince(digest);
        to.apply(update);
        sent += digest.byteLength + update.byteLength;
      };
      for (const w of all) pull(hub, w);
      for (const w of all) pull(w, hub);
      last = { hub, all };
      return { sent, finalBytes: hub.encodeState().byteLength };
    });
    const { hub, all } = last!;
    check(
      all.every((w) => sameValue(w, hub)),
      adapter,
      'a writer differs from the hub',
    );
    return [
      { metric: 'sync all', unit: 'ms', stats: sync.time },
      { metric: 'bytes sent', unit: 'B', stats: summarize(sync.results.map((r) => r.sent)) },
      { metric: 'final state bytes', unit: 'B', stats: summarize(sync.results.map((r) => r.finalBytes)) },
    ];
  },
};
