import { type Ordering, OverflowError, ValidationError, VersionVector } from '@nlbd/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dotArb, versionVectorArb } from '../../../test/support/arbitraries.ts';
import { itKeepsLatticeLaws } from '../../../test/support/lattice-laws.ts';
import { checkProperty } from '../../../test/support/property.ts';

const vv = (entries: Record<string, number>): VersionVector => VersionVector.from(Object.entries(entries));

describe('VersionVector', () => {
  describe('from', () => {
    it('builds a vector and drops zero entries', () => {
      const v = VersionVector.from([
        ['a', 2],
        ['b', 0],
        ['c', 1],
      ]);
      expect([...v]).toEqual([
        ['a', 2],
        ['c', 1],
      ]);
    });

    it('refuses invalid replica ids with the entry index in the path', () => {
      expect(() =>
        VersionVector.from(
          [
            ['a', 1],
            ['', 1],
          ],
          'hello.vv',
        ),
      ).toThrow(new ValidationError('replica id must not be empty', 'hello.vv[1].replica'));
    });

    it('refuses counts that are not safe integers ≥ 0', () => {
      for (const count of [
        -1,
        1.5,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        2 ** 53,
        '1' as unknown as number,
      ]) {
        expect(() => VersionVector.from([['a', count]])).toThrow(ValidationError);
      }
      expect(() => VersionVector.from([['a', -1]])).toThrow(
        'versionVector[0].count: count must be a safe integer ≥ 0, got -1',
      );
    });

    it('refuses a replica listed twice', () => {
      expect(() =>
        VersionVector.from([
          ['a', 1],
          ['a', 2],
        ]),
      ).toThrow("versionVector[1]: replica 'a' appears twice");
    });
  });

  it('get returns 0 for unknown replicas', () => {
    const v = vv({ a: 3 });
    expect(VersionVector.get(v, 'a')).toBe(3);
    expect(VersionVector.get(v, 'z')).toBe(0);
    expect(VersionVector.get(VersionVector.empty(), 'a')).toBe(0);
  });

  it('increment records the next event and returns its dot', () => {
    const v = VersionVector.empty();
    expect(VersionVector.increment(v, 'a')).toEqual({ replica: 'a', counter: 1 });
    expect(VersionVector.increment(v, 'a')).toEqual({ replica: 'a', counter: 2 });
    expect(VersionVector.increment(v, 'b')).toEqual({ replica: 'b', counter: 1 });
    expect(VersionVector.equals(v, vv({ a: 2, b: 1 }))).toBe(true);
  });

  it('increment past MAX_SAFE_INTEGER throws OverflowError and leaves the vector unchanged', () => {
    const v = vv({ a: Number.MAX_SAFE_INTEGER, b: 1 });
    expect(() => VersionVector.increment(v, 'a')).toThrow(OverflowError);
    expect(VersionVector.get(v, 'a')).toBe(Number.MAX_SAFE_INTEGER);
    expect(VersionVector.equals(v, vv({ a: Number.MAX_SAFE_INTEGER, b: 1 }))).toBe(true);
    const almost = vv({ a: Number.MAX_SAFE_INTEGER - 1 });
    expect(VersionVector.increment(almost, 'a').counter).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('covers exactly the dots 1..n of each replica', () => {
    const v = vv({ a: 2 });
    expect(VersionVector.covers(v, { replica: 'a', counter: 1 })).toBe(true);
    expect(VersionVector.covers(v, { replica: 'a', counter: 2 })).toBe(true);
    expect(VersionVector.covers(v, { replica: 'a', counter: 3 })).toBe(false);
    expect(VersionVector.covers(v, { replica: 'b', counter: 1 })).toBe(false);
  });

  it('merge is the pointwise maximum and does not touch its inputs', () => {
    const a = vv({ a: 2, b: 1 });
    const b = vv({ b: 3, c: 1 });
    expect(VersionVector.equals(VersionVector.merge(a, b), vv({ a: 2, b: 3, c: 1 }))).toBe(true);
    expect(VersionVector.equals(a, vv({ a: 2, b: 1 }))).toBe(true);
    expect(VersionVector.equals(b, vv({ b: 3, c: 1 }))).toBe(true);
  });

  it('mergeInto mutates the target and reports whether it changed', () => {
    const target = vv({ a: 2 });
    expect(VersionVector.mergeInto(target, vv({ a: 1 }))).toBe(false);
    expect(VersionVector.mergeInto(target, vv({ a: 3 }))).toBe(true);
    expect(VersionVector.mergeInto(target, vv({ b: 1 }))).toBe(true);
    expect(VersionVector.mergeInto(target, VersionVector.empty())).toBe(false);
    expect(VersionVector.equals(target, vv({ a: 3, b: 1 }))).toBe(true);
  });

  it('meet is the pointwise minimum, without zero entries', () => {
    const m = VersionVector.meet(vv({ a: 3, b: 1, c: 2 }), vv({ a: 1, b: 4, d: 5 }));
    expect([...m].sort()).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    expect(VersionVector.meet(vv({ a: 1 }), VersionVector.empty()).size).toBe(0);
  });

  it('leq, equals and compare', () => {
    const cases: [Record<string, number>, Record<string, number>, Ordering][] = [
      [{}, {}, 'equal'],
      [{ a: 1 }, { a: 1 }, 'equal'],
      [{}, { a: 1 }, 'before'],
      [{ a: 1 }, { a: 2, b: 1 }, 'before'],
      [{ a: 3 }, { a: 2 }, 'after'],
      [{ a: 2 }, { b: 1 }, 'concurrent'],
      [{ a: 2, b: 1 }, { a: 1, b: 2 }, 'concurrent'],
    ];
    for (const [x, y, ordering] of cases) {
      expect(VersionVector.compare(vv(x), vv(y)), `${JSON.stringify(x)} vs ${JSON.stringify(y)}`).toBe(
        ordering,
      );
      expect(VersionVector.leq(vv(x), vv(y))).toBe(ordering === 'equal' || ordering === 'before');
      expect(VersionVector.equals(vv(x), vv(y))).toBe(ordering === 'equal');
    }
  });

  it('clone shares nothing mutable', () => {
    const original = vv({ a: 1 });
    const copy = VersionVector.clone(original);
    VersionVector.increment(copy, 'a');
    expect(VersionVector.get(original, 'a')).toBe(1);
    expect(VersionVector.get(copy, 'a')).toBe(2);
  });

  describe('laws', () => {
    const v = versionVectorArb();

    itKeepsLatticeLaws(
      {
        empty: VersionVector.empty,
        join: VersionVector.merge,
        joinInto: VersionVector.mergeInto,
        leq: VersionVector.leq,
        equals: VersionVector.equals,
        clone: VersionVector.clone,
      },
      v,
    );

    it('compare is antisymmetric and consistent with leq and merge', () => {
      const mirror: Record<Ordering, Ordering> = {
        equal: 'equal',
        before: 'after',
        after: 'before',
        concurrent: 'concurrent',
      };
      checkProperty(
        fc.property(v, v, (a, b) => {
          const ordering = VersionVector.compare(a, b);
          expect(VersionVector.compare(b, a)).toBe(mirror[ordering]);
          const leq = VersionVector.leq(a, b);
          const geq = VersionVector.leq(b, a);
          expect(ordering).toBe(leq && geq ? 'equal' : leq ? 'before' : geq ? 'after' : 'concurrent');
          expect(ordering === 'equal').toBe(VersionVector.equals(a, b));
          const ab = VersionVector.merge(a, b);
          // before ⇔ merging adds nothing to b but something to a; concurrent ⇔ the merge is above both.
          expect(ordering === 'before').toBe(VersionVector.equals(ab, b) && !VersionVector.equals(ab, a));
          expect(ordering === 'concurrent').toBe(
            !VersionVector.equals(ab, a) && !VersionVector.equals(ab, b),
          );
        }),
      );
    });

    it('meet is the greatest lower bound', () => {
      checkProperty(
        fc.property(v, v, v, (a, b, c) => {
          const { meet, leq, equals } = VersionVector;
          const ab = meet(a, b);
          expect(equals(ab, meet(b, a))).toBe(true);
          expect(leq(ab, a) && leq(ab, b)).toBe(true);
          if (leq(c, a) && leq(c, b)) expect(leq(c, ab)).toBe(true);
          expect([...ab.values()].every((n) => n > 0)).toBe(true);
        }),
      );
    });

    it('covers agrees with leq on the vector of one dot', () => {
      checkProperty(
        fc.property(v, dotArb(), (a, dot) => {
          const single = VersionVector.from([[dot.replica, dot.counter]]);
          expect(VersionVector.covers(a, dot)).toBe(VersionVector.leq(single, a));
        }),
      );
    });
  });
});
