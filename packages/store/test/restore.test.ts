import { encode } from '@nlbd/codec';
import { type Crdt, HybridLogicalClock, type ReplicaId } from '@nlbd/core';
import { LWWMap, ORMap, ORSet, PNCounter } from '@nlbd/crdts';
import { type DurableDocument, openDocument, SqliteStorage } from '@nlbd/store';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useTempDir } from './support/temp-dir.js';

const temp = useTempDir('restore');
const runs = process.env.CI ? 100 : 25;
const replay = process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) };

/** What a replica does in one step, as plain data; each type reads it its own way. */
interface Edit {
  readonly key: number;
  readonly n: number;
  readonly remove: boolean;
}

/** A type under test and how an {@link Edit} becomes a delta of it. */
interface Subject<S> {
  readonly crdt: Crdt<S, unknown>;
  mutate(s: S, replica: ReplicaId, edit: Edit, clock: HybridLogicalClock): S;
}

const Lists = ORMap.of(ORSet);
const Tallies = ORMap.of(PNCounter);

const subject = <S>(crdt: Crdt<S, unknown>, mutate: Subject<S>['mutate']): Subject<unknown> =>
  ({ crdt, mutate }) as Subject<unknown>;

const subjects: readonly Subject<unknown>[] = [
  subject(PNCounter, (s, r, e) =>
    e.remove ? PNCounter.decrement(s, r, e.n) : PNCounter.increment(s, r, e.n),
  ),
  subject(ORSet, (s, r, e) => (e.remove ? ORSet.remove(s, `k${e.key}`) : ORSet.add(s, r, `k${e.key}`))),
  subject(LWWMap, (s, r, e, clock) =>
    e.remove ? LWWMap.delete(s, r, `k${e.key}`, clock) : LWWMap.set(s, r, `k${e.key}`, e.n, clock),
  ),
  subject(Lists, (s, r, e) =>
    e.remove ? Lists.remove(s, `k${e.key}`) : Lists.update(s, r, `k${e.key}`, (v) => ORSet.add(v, r, e.n)),
  ),
  subject(Tallies, (s, r, e) =>
    e.remove
      ? Tallies.remove(s, `k${e.key}`)
      : Tallies.update(s, r, `k${e.key}`, (v) => PNCounter.increment(v, r, e.n)),
  ),
];

/**
 * One step of the writer's life: an edit by the writer or by a peer (whose delta the writer
 * merges and persists, as a sync node would), the peer catching up with the writer, an explicit
 * compaction, or a restart (close the file, reopen it and the document).
 */
type Step =
  | { readonly kind: 'edit'; readonly by: 'writer' | 'peer'; readonly edit: Edit }
  | { readonly kind: 'sync' | 'compact' | 'reopen' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('edit' as const),
      by: fc.constantFrom('writer' as const, 'peer' as const),
      edit: fc.record({ key: fc.nat(4), n: fc.integer({ min: 1, max: 9 }), remove: fc.boolean() }),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'sync' as const }, { kind: 'compact' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

const compactEveryArb = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(Number.POSITIVE_INFINITY));

describe('a replica restored from SQLite equals the replica that wrote it', () => {
  for (const { crdt, mutate } of subjects) {
    it(`${crdt.type}: random edits, merges, compactions and restarts`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(stepArb, { maxLength: 40 }),
          compactEveryArb,
          async (steps, compactEvery) => {
            const path = temp.file(`${crdt.type}.db`);
            const open = async () => {
              const storage = new SqliteStorage(path, { synchronous: 'normal' });
              return { storage, doc: await openDocument(storage, 'doc', crdt, { compactEvery }) };
            };
            let tick = 0;
            const clock = (id: ReplicaId) => new HybridLogicalClock(id, { now: () => tick++ });
            const replicas = {
              writer: { id: 'w', state: crdt.empty(), clock: clock('w') },
              peer: { id: 'p', state: crdt.empty(), clock: clock('p') },
            };
            let { storage, doc }: { storage: SqliteStorage; doc: DurableDocument<unknown, unknown> } =
              await open();
            let lastSeq = 0;
            const persist = (delta: unknown) =>
              doc.persist(delta).then((seq) => {
                expect(seq).toBeGreaterThan(lastSeq);
                lastSeq = seq;
              });
            const pending: Promise<void>[] = [];
            for (const step of steps) {
              if (step.kind === 'edit') {
                const replica = replicas[step.by];
                const delta = mutate(replica.state, replica.id, step.edit, replica.clock);
                crdt.joinInto(replica.state, delta);
                if (step.by === 'peer') crdt.joinInto(replicas.writer.state, delta);
                pending.push(persist(delta)); // not awaited: persists queue up
              } else if (step.kind === 'sync') {
                crdt.joinInto(replicas.peer.state, replicas.writer.state);
              } else if (step.kind === 'compact') {
                pending.push(doc.compact());
              } else {
                await Promise.all(pending.splice(0));
                expect(crdt.equals(doc.state, replicas.writer.state)).toBe(true);
                await storage.close();
                ({ storage, doc } = await open());
              }
            }
            await Promise.all(pending);
            await storage.close();
            const restored = await open();
            expect(crdt.equals(restored.doc.state, replicas.writer.state)).toBe(true);
            expect(encode(crdt, restored.doc.state)).toEqual(encode(crdt, replicas.writer.state));
            await restored.storage.close();
          },
        ),
        { numRuns: runs, ...replay },
      );
    });
  }
});
