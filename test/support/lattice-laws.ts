import fc from 'fast-check';
import { expect, it } from 'vitest';
import { checkProperty } from './property.ts';

/** The join-semilattice part of the `Crdt` contract: enough to state the lattice laws. */
export interface Lattice<S> {
  empty(): S;
  join(a: S, b: S): S;
  joinInto(target: S, source: S): boolean;
  leq(a: S, b: S): boolean;
  equals(a: S, b: S): boolean;
  clone(s: S): S;
}

/**
 * Registers one test per lattice law for states drawn from `states`: `join` is commutative,
 * associative and idempotent with `empty()` as identity and does not mutate its inputs;
 * `joinInto` agrees with `join` and reports change exactly when the target changed; `leq` agrees
 * with `join`, which is the least upper bound. Call it inside a `describe`.
 */
export function itKeepsLatticeLaws<S>(lattice: Lattice<S>, states: fc.Arbitrary<S>): void {
  const { join, joinInto, leq, equals, clone } = lattice;

  it('join is commutative, associative and idempotent, with empty() as identity', () => {
    checkProperty(
      fc.property(states, states, states, (a, b, c) => {
        expect(equals(join(a, b), join(b, a))).toBe(true);
        expect(equals(join(join(a, b), c), join(a, join(b, c)))).toBe(true);
        expect(equals(join(a, a), a)).toBe(true);
        expect(equals(join(a, lattice.empty()), a)).toBe(true);
      }),
    );
  });

  it('join leaves its inputs alone', () => {
    checkProperty(
      fc.property(states, states, (a, b) => {
        const [a0, b0] = [clone(a), clone(b)];
        join(a, b);
        expect(equals(a, a0) && equals(b, b0)).toBe(true);
      }),
    );
  });

  it('joinInto agrees with join and reports change exactly when the target changed', () => {
    checkProperty(
      fc.property(states, states, (a, b) => {
        const target = clone(a);
        const changed = joinInto(target, b);
        expect(equals(target, join(a, b))).toBe(true);
        expect(changed).toBe(!equals(target, a));
      }),
    );
  });

  it('leq agrees with join, and join is the least upper bound', () => {
    checkProperty(
      fc.property(states, states, states, (a, b, c) => {
        const ab = join(a, b);
        expect(leq(a, b)).toBe(equals(ab, b));
        expect(leq(a, ab) && leq(b, ab)).toBe(true);
        if (leq(a, c) && leq(b, c)) expect(leq(ab, c)).toBe(true);
      }),
    );
  });
}
