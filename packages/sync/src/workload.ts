import { type Crdt, type HybridLogicalClock, type ReplicaId, ValidationError } from '@nlbd/core';
import {
  EWFlag,
  GCounter,
  GSet,
  LWWMap,
  LWWRegister,
  MVRegister,
  ORMap,
  ORSet,
  PNCounter,
} from '@nlbd/crdts';
import type { Random } from './random.js';

/** What a simulated workload does: which type, how many ops per round for how many rounds. */
export interface WorkloadOptions {
  /** The CRDT type's wire tag: one of {@link WORKLOAD_TYPES}. */
  readonly type: string;
  /** Operations per round, spread over random live nodes. */
  readonly opsPerRound: number;
  /** Rounds during which operations happen. */
  readonly rounds: number;
  /** Distinct keys or elements the operations draw from. */
  readonly keys: number;
  /** Of the operations, the fraction that remove, delete or decrement (default 0.2). */
  readonly removeRatio?: number;
  /**
   * Operations applied before round 0 to a state every node starts from (already in sync), so a
   * run can measure churn on a full object rather than growth from empty (default 0).
   */
  readonly prefill?: number;
}

/** A random operation generator for one type: returns a delta made by the type's mutators. */
export interface Workload<S> {
  readonly crdt: Crdt<S, unknown>;
  /** A random operation by `replica` on `state`, timestamped by `clock`. */
  op(state: S, replica: ReplicaId, clock: HybridLogicalClock, random: Random): S;
}

const Tags = ORMap.of(ORSet);

function makeWorkload<S>(crdt: Crdt<S, unknown>, op: Workload<S>['op']): Workload<unknown> {
  return { crdt, op } as Workload<unknown>;
}

/** The workloads the simulator knows, by type tag. */
export function workloadFor(options: WorkloadOptions): Workload<unknown> {
  const { keys } = options;
  const removeRatio = options.removeRatio ?? 0.2;
  const key = (random: Random) => `k${random.int(keys)}`;
  switch (options.type) {
    case 'gcounter':
      return makeWorkload(GCounter, (s, r, _c, random) => GCounter.increment(s, r, 1 + random.int(5)));
    case 'pncounter':
      return makeWorkload(PNCounter, (s, r, _c, random) =>
        random.chance(removeRatio)
          ? PNCounter.decrement(s, r, 1)
          : PNCounter.increment(s, r, 1 + random.int(5)),
      );
    case 'gset':
      return makeWorkload(GSet, (s, r, _c, random) => GSet.add(s, r, key(random)));
    case 'orset':
      return makeWorkload(ORSet, (s, r, _c, random) =>
        random.chance(removeRatio) ? ORSet.remove(s, key(random)) : ORSet.add(s, r, key(random)),
      );
    case 'ewflag':
      return makeWorkload(EWFlag, (s, r, _c, random) =>
        random.chance(0.5) ? EWFlag.disable(s) : EWFlag.enable(s, r),
      );
    case 'mvregister':
      return makeWorkload(MVRegister, (s, r, _c, random) => MVRegister.set(s, r, random.int(1000)));
    case 'lwwregister':
      return makeWorkload(LWWRegister, (s, r, c, random) => LWWRegister.set(s, r, random.int(1000), c));
    case 'lwwmap':
      return makeWorkload(LWWMap, (s, r, c, random) =>
        random.chance(removeRatio)
          ? LWWMap.delete(s, r, key(random), c)
          : LWWMap.set(s, r, key(random), random.int(1000), c),
      );
    case 'ormap<orset>':
      return makeWorkload(Tags, (s, r, _c, random) => {
        const k = key(random);
        if (random.chance(removeRatio)) return Tags.remove(s, k);
        return Tags.update(s, r, k, (set) => ORSet.add(set, r, `t${random.int(8)}`));
      });
    default:
      throw new ValidationError(
        `no workload for type '${options.type}' (known: ${WORKLOAD_TYPES.join(', ')})`,
        'workload.type',
      );
  }
}

/** The type tags {@link workloadFor} accepts. */
export const WORKLOAD_TYPES: readonly string[] = [
  'gcounter',
  'pncounter',
  'gset',
  'orset',
  'ewflag',
  'mvregister',
  'lwwregister',
  'lwwmap',
  'ormap<orset>',
];
