import { assertSafeCount, OverflowError, safeAdd, ValidationError } from '@nlbd/core';
import { describe, expect, it } from 'vitest';

describe('assertSafeCount', () => {
  it('accepts safe integers at or above the minimum', () => {
    expect(() => assertSafeCount(0, 'n')).not.toThrow();
    expect(() => assertSafeCount(Number.MAX_SAFE_INTEGER, 'n')).not.toThrow();
    expect(() => assertSafeCount(1, 'n', 1)).not.toThrow();
  });

  it('refuses non-integers, unsafe integers and non-numbers, naming the path', () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, 1.5, 2 ** 53, '3', null, undefined, 3n]) {
      expect(() => assertSafeCount(value, 'increment.n')).toThrow(ValidationError);
    }
    expect(() => assertSafeCount(1.5, 'increment.n')).toThrow(
      'increment.n: expected a safe integer, got 1.5',
    );
  });

  it('refuses values below the minimum', () => {
    expect(() => assertSafeCount(-1, 'n')).toThrow('n: expected an integer ≥ 0, got -1');
    expect(() => assertSafeCount(0, 'increment.n', 1)).toThrow('increment.n: expected an integer ≥ 1, got 0');
  });
});

describe('safeAdd', () => {
  it('adds within the safe range, up to its edges', () => {
    expect(safeAdd(2, 3, 'x')).toBe(5);
    expect(safeAdd(Number.MAX_SAFE_INTEGER - 1, 1, 'x')).toBe(Number.MAX_SAFE_INTEGER);
    expect(safeAdd(-Number.MAX_SAFE_INTEGER + 1, -1, 'x')).toBe(-Number.MAX_SAFE_INTEGER);
  });

  it('throws OverflowError naming the path instead of rounding', () => {
    expect(() => safeAdd(Number.MAX_SAFE_INTEGER, 1, 'counter.alice')).toThrow(OverflowError);
    expect(() => safeAdd(Number.MAX_SAFE_INTEGER, 2, 'counter.alice')).toThrow(/^counter\.alice: /);
    expect(() => safeAdd(-Number.MAX_SAFE_INTEGER, -1, 'x')).toThrow(OverflowError);
  });
});
