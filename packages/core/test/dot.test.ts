import { assertDot, compareDots, ValidationError } from '@nlbd/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dotArb } from '../../../test/support/arbitraries.ts';
import { checkProperty } from '../../../test/support/property.ts';

describe('assertDot', () => {
  it('accepts a valid dot', () => {
    expect(() => assertDot({ replica: 'a', counter: 1 })).not.toThrow();
    expect(() => assertDot({ replica: 'a', counter: Number.MAX_SAFE_INTEGER })).not.toThrow();
  });

  it('refuses non-objects', () => {
    expect(() => assertDot(null, 'op.dot')).toThrow(new ValidationError('dot must be an object', 'op.dot'));
    expect(() => assertDot('a:1')).toThrow(ValidationError);
  });

  it('refuses a bad replica, naming the nested path', () => {
    expect(() => assertDot({ replica: '', counter: 1 }, 'op.dot')).toThrow(
      'op.dot.replica: replica id must not be empty',
    );
  });

  it('refuses counters that are not safe integers ≥ 1', () => {
    for (const counter of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '1', undefined]) {
      expect(() => assertDot({ replica: 'a', counter })).toThrow(ValidationError);
    }
    expect(() => assertDot({ replica: 'a', counter: 0 })).toThrow(
      'dot.counter: dot counter must be a safe integer ≥ 1, got 0',
    );
  });
});

describe('compareDots', () => {
  it('orders by replica, then counter', () => {
    expect(compareDots({ replica: 'a', counter: 9 }, { replica: 'b', counter: 1 })).toBeLessThan(0);
    expect(compareDots({ replica: 'b', counter: 1 }, { replica: 'a', counter: 9 })).toBeGreaterThan(0);
    expect(compareDots({ replica: 'a', counter: 2 }, { replica: 'a', counter: 10 })).toBeLessThan(0);
    expect(compareDots({ replica: 'a', counter: 2 }, { replica: 'a', counter: 2 })).toBe(0);
  });

  it('is a total order: antisymmetric and zero only for equal dots', () => {
    checkProperty(
      fc.property(dotArb(), dotArb(), (x, y) => {
        expect(Math.sign(compareDots(x, y)) + Math.sign(compareDots(y, x))).toBe(0);
        expect(compareDots(x, y) === 0).toBe(x.replica === y.replica && x.counter === y.counter);
      }),
    );
  });
});
