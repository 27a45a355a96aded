import { HybridLogicalClock, type ReplicaId } from '@nlbd/core';
import fc from 'fast-check';
import type { Op, Subject } from './crdt-subjects.ts';

/** Replica ids of generated histories: short, and ordered so that ties break both ways. */
export const HISTORY_REPLICAS: readonly ReplicaId[] = ['a', 'b', 'c', 'd'];

/** One step of a history: an operation, a delta delivery, or a full-state merge. */
export type Step =
  | { readonly t: 'op'; readonly r: number; readonly op: Op; readonly dt: number }
  | { readonly t: 'delta'; readonly r: number; readonly pick: number }
  | { readonly t: 'state'; readonly from: number; readonly to: number };

/** The states a history went through: every replica snapshot, and every delta produced. */
export interface History<S> {
  readonly steps: readonly Step[];
  /** A clone of each replica's state after each step that changed it (plus the empty start). */
  readonly states: readonly S[];
  readonly deltas: readonly S[];
}

/** A clock for `replica` that reads the virtual time `time.ms`. */
export function virtualClock(replica: ReplicaId, time: { ms: number }): HybridLogicalClock {
  return new HybridLogicalClock(replica, { now: () => time.ms });
}

/** The steps of a history over `replicas` replicas of one object of `subject`. */
export function stepsArb(subject: Subject, replicas = HISTORY_REPLICAS.length): fc.Arbitrary<Step[]> {
  const r = fc.nat({ max: replicas - 1 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constant('op' as const), r, op: subject.op, dt: fc.nat(2) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('delta' as const), r, pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('state' as const), from: r, to: r }) },
  );
  return fc.array(step, { minLength: 1, maxLength: 24 });
}

/**
 * Runs `steps` through the descriptor's mutators: each replica applies its own operations'
 * deltas; deltas are delivered from the pool of all deltas in any order, duplicated or never;
 * some replicas merge others' full states. Time is virtual and advances by each step's `dt`, so
 * LWW timestamps often tie on the wall clock.
 */
export function runHistory<S>(subject: Subject<S>, steps: readonly Step[]): History<S> {
  const { crdt } = subject;
  const time = { ms: 1_000 };
  const clocks = HISTORY_REPLICAS.map((id) => virtualClock(id, time));
  const replicas = HISTORY_REPLICAS.map(() => crdt.empty());
  const states: S[] = [crdt.empty()];
  const deltas: S[] = [];
  for (const step of steps) {
    if (step.t === 'op') {
      time.ms += step.dt;
      const id = HISTORY_REPLICAS[step.r] as ReplicaId;
      const delta = subject.mutate(replicas[step.r] as S, id, step.op, clocks[step.r] as HybridLogicalClock);
      crdt.joinInto(replicas[step.r] as S, delta);
      deltas.push(delta);
      states.push(crdt.clone(replicas[step.r] as S));
    } else if (step.t === 'delta') {
      if (deltas.length === 0) continue;
      crdt.joinInto(replicas[step.r] as S, deltas[step.pick % deltas.length] as S);
      states.push(crdt.clone(replicas[step.r] as S));
    } else {
      crdt.joinInto(replicas[step.to] as S, crdt.clone(replicas[step.from] as S));
      states.push(crdt.clone(replicas[step.to] as S));
    }
  }
  return { steps, states, deltas };
}

/** A generated history of `subject`. */
export function historyArb<S>(subject: Subject<S>): fc.Arbitrary<History<S>> {
  return stepsArb(subject as Subject).map((steps) => runHistory(subject, steps));
}

/** The `i`-th of `items` (modulo their number). */
export function pick<T>(items: readonly T[], i: number): T {
  return items[i % items.length] as T;
}
