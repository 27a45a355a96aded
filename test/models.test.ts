import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canon } from './support/crdt-canon.ts';
import { virtualClock } from './support/crdt-history.ts';
import { SUBJECTS, type Subject } from './support/crdt-subjects.ts';
import { checkProperty } from './support/property.ts';

// One replica, random operations through its replica class: after every operation its value
// equals a plain sequential model (a number, a Set, a Map, the last write, ...).

describe.each(SUBJECTS.map((s) => [s.name, s] as const))('%s', (_name, subject: Subject) => {
  it('a replica behaves like its sequential model', () => {
    const steps = fc.array(fc.tuple(subject.op, fc.nat(2)), { maxLength: 40 });
    checkProperty(
      fc.property(steps, (ops) => {
        const time = { ms: 1_000 };
        const replica = subject.replica('solo', { clock: virtualClock('solo', time) });
        let model = subject.crdt.value(subject.crdt.empty());
        for (const [op, dt] of ops) {
          time.ms += dt;
          subject.apply(replica, op);
          model = subject.model(model, op);
          expect(canon(replica.value)).toEqual(canon(model));
        }
      }),
      { ciRuns: 300, localRuns: 100 },
    );
  });
});
