import type { ReplicaId } from '@nlbd/core';
import type { Replica } from '@nlbd/crdts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canon } from './support/crdt-canon.ts';
import { virtualClock } from './support/crdt-history.ts';
import { maskRemoved, type OpRecord, specValue } from './support/crdt-spec.ts';
import { type Op, SUBJECTS, type Subject } from './support/crdt-subjects.ts';
import { checkProperty } from './support/property.ts';

// Five replicas (replica classes), random operations, and the deltas they take delivered in
// random order, duplicated or never; then one full-state exchange. Every replica must end with
// the same state, and its value must be what the type's specification says about the
// operations made (add-wins, LWW by timestamp then replica id, MV keeps concurrent writes,
// counters sum, OR-Map removal removes what the remover saw).

const IDS: readonly ReplicaId[] = ['r0', 'r1', 'r2', 'r3', 'r4'];
/** Each replica's physical clock runs this many ms off the shared virtual time. */
const SKEW = [0, 3, 1, 7, 2];

type Step =
  | { readonly t: 'op'; readonly r: number; readonly op: Op; readonly dt: number }
  | { readonly t: 'take'; readonly r: number }
  | { readonly t: 'deliver'; readonly to: number; readonly pick: number };

function stepsArb(subject: Subject): fc.Arbitrary<Step[]> {
  const r = fc.nat({ max: IDS.length - 1 });
  return fc.array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({ t: fc.constant('op' as const), r, op: subject.op, dt: fc.nat(3) }),
      },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('take' as const), r }) },
      { weight: 4, arbitrary: fc.record({ t: fc.constant('deliver' as const), to: r, pick: fc.nat() }) },
    ),
    { maxLength: 60 },
  );
}

interface Run {
  readonly replicas: Replica<unknown, unknown>[];
  readonly ops: OpRecord[];
}

/** Plays `steps`, then has r0 merge every full state and every replica merge r0's. */
function play(subject: Subject, steps: readonly Step[]): Run {
  const time = { ms: 1_000 };
  const replicas = IDS.map((id, i) =>
    subject.replica(id, {
      clock: virtualClock(id, {
        get ms() {
          return time.ms + (SKEW[i] as number);
        },
      }),
    }),
  );
  const seen = IDS.map(() => new Set<number>());
  const pending = IDS.map(() => new Set<number>());
  const messages: { delta: unknown; ids: Set<number> }[] = [];
  const ops: OpRecord[] = [];
  for (const step of steps) {
    if (step.t === 'op') {
      time.ms += step.dt;
      const replica = replicas[step.r] as Replica<unknown, unknown>;
      const before = new Set(seen[step.r]);
      const delta = subject.apply(replica, step.op);
      const id = ops.length;
      ops.push({ id, replica: replica.id, op: step.op, seen: before, delta });
      seen[step.r]?.add(id);
      pending[step.r]?.add(id);
    } else if (step.t === 'take') {
      const delta = replicas[step.r]?.takeDelta();
      if (delta !== undefined) messages.push({ delta, ids: pending[step.r] as Set<number> });
      pending[step.r] = new Set();
    } else if (messages.length > 0) {
      const message = messages[step.pick % messages.length] as (typeof messages)[number];
      replicas[step.to]?.merge(message.delta);
      for (const id of message.ids) seen[step.to]?.add(id);
    }
  }
  const [hub, ...rest] = replicas as [Replica<unknown, unknown>, ...Replica<unknown, unknown>[]];
  for (const r of rest) hub.merge(subject.crdt.clone(r.state));
  for (const r of rest) r.merge(subject.crdt.clone(hub.state));
  return { replicas, ops };
}

describe.each(SUBJECTS.map((s) => [s.name, s] as const))('%s', (name, subject: Subject) => {
  const unordered = name.includes('MVRegister');

  it('5 replicas under lossy, reordered, duplicated delivery converge to the specified value', () => {
    checkProperty(
      fc.property(stepsArb(subject), (steps) => {
        const { replicas, ops } = play(subject, steps);
        const [first, ...rest] = replicas as [Replica<unknown, unknown>, ...Replica<unknown, unknown>[]];
        for (const r of rest) {
          expect(subject.crdt.equals(r.state, first.state)).toBe(true);
          expect(canon(r.value, unordered)).toEqual(canon(first.value, unordered));
        }
        const spec = specValue(name, ops);
        expect(canon(maskRemoved(first.value, spec), unordered)).toEqual(canon(spec, unordered));
      }),
      { ciRuns: 300, localRuns: 100 },
    );
  });
});
