import { type Dot, DotContext, OverflowError, VersionVector } from '@nlbd/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contextWithDotsArb,
  dotArb,
  dotContextArb,
  dotKey,
  dotsArb,
} from '../../../test/support/arbitraries.ts';
import { itKeepsLatticeLaws } from '../../../test/support/lattice-laws.ts';
import { checkProperty } from '../../../test/support/property.ts';

const dot = (replica: string, counter: number): Dot => ({ replica, counter });

/** A context holding exactly `dots`, added one by one in the order given. */
function contextOf(...dots: Dot[]): DotContext {
  const ctx = DotContext.empty();
  for (const d of dots) DotContext.add(ctx, d);
  return ctx;
}

const cloudOf = (ctx: DotContext): Record<string, number[]> =>
  Object.fromEntries([...ctx.cloud].map(([replica, dots]) => [replica, [...dots].sort((x, y) => x - y)]));

describe('DotContext', () => {
  it('starts empty', () => {
    const ctx = DotContext.empty();
    expect(DotContext.isEmpty(ctx)).toBe(true);
    expect(DotContext.size(ctx)).toBe(0);
    expect(DotContext.has(ctx, dot('a', 1))).toBe(false);
  });

  it('keeps in-order dots in the vector', () => {
    const ctx = contextOf(dot('a', 1), dot('a', 2), dot('b', 1));
    expect([...ctx.vv]).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(ctx.cloud.size).toBe(0);
  });

  it('puts out-of-order dots in the cloud, then compacts them once the gap fills', () => {
    const ctx = DotContext.empty();
    expect(DotContext.add(ctx, dot('a', 3))).toBe(true);
    expect(DotContext.add(ctx, dot('a', 4))).toBe(true);
    expect(VersionVector.get(ctx.vv, 'a')).toBe(0);
    expect(cloudOf(ctx)).toEqual({ a: [3, 4] });
    expect(DotContext.has(ctx, dot('a', 3))).toBe(true);
    expect(DotContext.has(ctx, dot('a', 2))).toBe(false);

    DotContext.add(ctx, dot('a', 1));
    expect(VersionVector.get(ctx.vv, 'a')).toBe(1);
    expect(cloudOf(ctx)).toEqual({ a: [3, 4] });

    DotContext.add(ctx, dot('a', 2));
    expect(VersionVector.get(ctx.vv, 'a')).toBe(4);
    expect(ctx.cloud.size).toBe(0);
    expect(DotContext.size(ctx)).toBe(4);
  });

  it('add reports whether the dot was new', () => {
    const ctx = contextOf(dot('a', 1), dot('a', 5));
    expect(DotContext.add(ctx, dot('a', 1))).toBe(false);
    expect(DotContext.add(ctx, dot('a', 5))).toBe(false);
    expect(DotContext.addEvent(ctx, 'a', 2)).toBe(true);
    expect(DotContext.hasEvent(ctx, 'a', 2)).toBe(true);
    expect(DotContext.hasEvent(ctx, 'a', 3)).toBe(false);
  });

  it('from copies the vector and compacts the dots given', () => {
    const vv = VersionVector.from([['a', 2]]);
    const ctx = DotContext.from(vv, [dot('a', 4), dot('a', 3), dot('a', 1), dot('b', 2)]);
    expect(VersionVector.get(ctx.vv, 'a')).toBe(4);
    expect(cloudOf(ctx)).toEqual({ b: [2] });
    DotContext.add(ctx, dot('a', 5));
    expect(VersionVector.get(vv, 'a')).toBe(2);
  });

  describe('next', () => {
    it('makes the next dot of a replica and adds it', () => {
      const ctx = contextOf(dot('a', 1), dot('a', 2));
      expect(DotContext.next(ctx, 'a')).toEqual(dot('a', 3));
      expect(DotContext.next(ctx, 'b')).toEqual(dot('b', 1));
      expect(DotContext.has(ctx, dot('a', 3))).toBe(true);
      expect(DotContext.has(ctx, dot('b', 1))).toBe(true);
    });

    it('skips past cloud dots without claiming the gaps', () => {
      const ctx = contextOf(dot('a', 1), dot('a', 3), dot('a', 5));
      expect(DotContext.max(ctx, 'a')).toBe(5);
      const made = DotContext.next(ctx, 'a');
      expect(made).toEqual(dot('a', 6));
      expect(DotContext.has(ctx, made)).toBe(true);
      expect(DotContext.has(ctx, dot('a', 2))).toBe(false);
      expect(DotContext.has(ctx, dot('a', 4))).toBe(false);
      expect(DotContext.size(ctx)).toBe(4);
    });

    it('throws OverflowError past MAX_SAFE_INTEGER and leaves the context unchanged', () => {
      const ctx = DotContext.from(VersionVector.from([['a', Number.MAX_SAFE_INTEGER]]));
      const before = DotContext.clone(ctx);
      expect(() => DotContext.next(ctx, 'a')).toThrow(OverflowError);
      expect(DotContext.equals(ctx, before)).toBe(true);
    });
  });

  it('max is the highest counter held, cloud included', () => {
    const ctx = contextOf(dot('a', 1), dot('a', 7));
    expect(DotContext.max(ctx, 'a')).toBe(7);
    expect(DotContext.max(ctx, 'z')).toBe(0);
  });

  it('join is the union and leaves its inputs alone', () => {
    const a = contextOf(dot('a', 1), dot('a', 3));
    const b = contextOf(dot('a', 2), dot('b', 2));
    const ab = DotContext.join(a, b);
    expect(VersionVector.get(ab.vv, 'a')).toBe(3);
    expect(cloudOf(ab)).toEqual({ b: [2] });
    expect(cloudOf(a)).toEqual({ a: [3] });
    expect(DotContext.size(b)).toBe(2);
  });

  it('joinInto mutates the target and reports whether it changed', () => {
    const target = contextOf(dot('a', 1), dot('a', 3));
    expect(DotContext.joinInto(target, contextOf(dot('a', 1)))).toBe(false);
    expect(DotContext.joinInto(target, contextOf(dot('a', 3)))).toBe(false);
    expect(DotContext.joinInto(target, contextOf(dot('a', 1), dot('a', 2)))).toBe(true);
    expect(VersionVector.get(target.vv, 'a')).toBe(3);
    expect(target.cloud.size).toBe(0);
  });

  it('subtract keeps the dots of a that b lacks', () => {
    const a = contextOf(dot('a', 1), dot('a', 2), dot('a', 3), dot('b', 2));
    const b = contextOf(dot('a', 1), dot('a', 3));
    const diff = DotContext.subtract(a, b);
    expect(DotContext.cloudDots(diff)).toEqual([dot('a', 2), dot('b', 2)]);
    expect(DotContext.size(diff)).toBe(2);
    expect(DotContext.isEmpty(DotContext.subtract(b, a))).toBe(true);
  });

  it('leq is inclusion, including vector ranges covered by a cloud', () => {
    const prefix = contextOf(dot('a', 1), dot('a', 2), dot('a', 3));
    const cloudy = contextOf(dot('a', 1), dot('a', 3));
    expect(DotContext.leq(cloudy, prefix)).toBe(true);
    expect(DotContext.leq(prefix, cloudy)).toBe(false);
    expect(DotContext.leq(DotContext.empty(), cloudy)).toBe(true);
    expect(DotContext.leq(contextOf(dot('a', 3)), contextOf(dot('a', 1), dot('a', 3), dot('a', 4)))).toBe(
      true,
    );
  });

  it('equals compares the dots held, whatever order they were added in', () => {
    const a = contextOf(dot('a', 3), dot('a', 1), dot('a', 2), dot('b', 5));
    const b = contextOf(dot('b', 5), dot('a', 1), dot('a', 2), dot('a', 3));
    expect(DotContext.equals(a, b)).toBe(true);
    expect(DotContext.equals(a, contextOf(dot('a', 1), dot('a', 2), dot('a', 3)))).toBe(false);
    expect(DotContext.equals(contextOf(dot('b', 5)), contextOf(dot('b', 6)))).toBe(false);
  });

  it('size counts every dot, vector and cloud', () => {
    expect(DotContext.size(contextOf(dot('a', 1), dot('a', 2), dot('b', 4), dot('b', 9)))).toBe(4);
  });

  it('cloudDots lists the cloud sorted by replica, then counter', () => {
    const ctx = contextOf(dot('b', 9), dot('a', 5), dot('b', 3), dot('a', 10));
    expect(DotContext.cloudDots(ctx)).toEqual([dot('a', 5), dot('a', 10), dot('b', 3), dot('b', 9)]);
  });

  it('compact moves cloud dots that became contiguous into the vector', () => {
    // Built by hand: a context made by these functions is always compact already.
    const ctx: DotContext = {
      vv: new Map([['a', 1]]),
      cloud: new Map([
        ['a', new Set([1, 2, 3, 5])],
        ['b', new Set([1])],
        ['c', new Set([4])],
      ]),
    };
    expect(DotContext.compact(ctx)).toBe(ctx);
    expect([...ctx.vv].sort()).toEqual([
      ['a', 3],
      ['b', 1],
    ]);
    expect(cloudOf(ctx)).toEqual({ a: [5], c: [4] });
  });

  it('clone shares nothing mutable', () => {
    const original = contextOf(dot('a', 1), dot('a', 3));
    const copy = DotContext.clone(original);
    DotContext.add(copy, dot('a', 2));
    DotContext.add(copy, dot('b', 4));
    expect(cloudOf(original)).toEqual({ a: [3] });
    expect(VersionVector.get(original.vv, 'a')).toBe(1);
    expect(DotContext.size(original)).toBe(2);
  });

  describe('laws', () => {
    const ctxArb = dotContextArb();
    const holds = (ctx: DotContext, dots: readonly Dot[]): Set<string> =>
      new Set(dots.filter((d) => DotContext.has(ctx, d)).map(dotKey));
    // Every dot the generators can make, so membership is checked exhaustively.
    const universe = (...contexts: DotContext[]): Dot[] => {
      const replicas = new Set(contexts.flatMap((c) => [...c.vv.keys(), ...c.cloud.keys()]));
      return [...replicas].flatMap((r) => Array.from({ length: 12 }, (_, i) => dot(r, i + 1)));
    };

    it('holds exactly the dots it was built from, in a compact form', () => {
      checkProperty(
        fc.property(contextWithDotsArb(), ({ ctx, dots }) => {
          expect(DotContext.size(ctx)).toBe(dots.length);
          for (const d of dots) expect(DotContext.has(ctx, d)).toBe(true);
          expect(holds(ctx, universe(ctx)).size).toBe(dots.length);
          for (const [replica, cloud] of ctx.cloud) {
            expect(cloud.size).toBeGreaterThan(0);
            for (const c of cloud) expect(c).toBeGreaterThan(VersionVector.get(ctx.vv, replica) + 1);
          }
        }),
      );
    });

    it('the order dots are added in does not matter', () => {
      checkProperty(
        fc.property(
          dotsArb().chain((dots) =>
            fc.tuple(fc.constant(dots), fc.shuffledSubarray(dots, { minLength: dots.length })),
          ),
          ([dots, shuffled]) => {
            expect(DotContext.equals(contextOf(...dots), contextOf(...shuffled))).toBe(true);
          },
        ),
      );
    });

    it('compact never changes membership', () => {
      checkProperty(
        fc.property(dotsArb(), fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }), (dots, prefix) => {
          // An uncompacted context: everything in the cloud, plus an arbitrary vector prefix.
          const vv = new Map(prefix.flatMap((n, i) => (n > 0 ? [[`${'abc'[i]}`, n] as const] : [])));
          const cloud = new Map<string, Set<number>>();
          for (const d of dots) cloud.set(d.replica, (cloud.get(d.replica) ?? new Set()).add(d.counter));
          const ctx: DotContext = { vv, cloud };
          const before = holds(ctx, universe(ctx));
          DotContext.compact(ctx);
          expect(holds(ctx, universe(ctx))).toEqual(before);
          const expected = DotContext.from(vv, dots);
          expect(DotContext.equals(ctx, expected)).toBe(true);
        }),
      );
    });

    it('has after join is the union', () => {
      checkProperty(
        fc.property(ctxArb, ctxArb, dotArb({ maxCounter: 12 }), (a, b, d) => {
          const ab = DotContext.join(a, b);
          expect(DotContext.has(ab, d)).toBe(DotContext.has(a, d) || DotContext.has(b, d));
          for (const u of universe(a, b))
            expect(DotContext.has(ab, u)).toBe(DotContext.has(a, u) || DotContext.has(b, u));
        }),
      );
    });

    itKeepsLatticeLaws(DotContext, ctxArb);

    it('leq is inclusion', () => {
      checkProperty(
        fc.property(ctxArb, ctxArb, (a, b) => {
          const included = universe(a, b).every((u) => !DotContext.has(a, u) || DotContext.has(b, u));
          expect(DotContext.leq(a, b)).toBe(included);
        }),
      );
    });

    it('subtract holds exactly the dots of a not in b, and joining b back gives a ⊔ b', () => {
      checkProperty(
        fc.property(ctxArb, ctxArb, (a, b) => {
          const diff = DotContext.subtract(a, b);
          for (const u of universe(a, b)) {
            expect(DotContext.has(diff, u)).toBe(DotContext.has(a, u) && !DotContext.has(b, u));
          }
          expect(DotContext.equals(DotContext.join(b, diff), DotContext.join(a, b))).toBe(true);
        }),
      );
    });

    it('next makes a dot that was not held, above every dot of that replica, and adds only it', () => {
      checkProperty(
        fc.property(ctxArb, dotArb(), (before, { replica }) => {
          const ctx = DotContext.clone(before);
          const made = DotContext.next(ctx, replica);
          expect(made.replica).toBe(replica);
          expect(DotContext.has(before, made)).toBe(false);
          expect(made.counter).toBe(DotContext.max(before, replica) + 1);
          expect(DotContext.equals(ctx, DotContext.join(before, contextOf(made)))).toBe(true);
        }),
      );
    });

    it('clone is equal and independent', () => {
      checkProperty(
        fc.property(ctxArb, dotArb({ maxCounter: 12 }), (ctx, d) => {
          const copy = DotContext.clone(ctx);
          expect(DotContext.equals(copy, ctx)).toBe(true);
          const size = DotContext.size(ctx);
          DotContext.add(copy, d);
          DotContext.next(copy, d.replica);
          expect(DotContext.size(ctx)).toBe(size);
        }),
      );
    });
  });
});
