import { OverflowError, ValidationError } from './errors.js';

/**
 * Throws a {@link ValidationError} unless `value` is a safe integer ≥ `min`.
 * @example assertSafeCount(n, 'increment.n', 1)
 */
export function assertSafeCount(value: unknown, path: string, min = 0): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ValidationError(`expected a safe integer, got ${String(value)}`, path);
  }
  if (value < min) throw new ValidationError(`expected an integer ≥ ${min}, got ${value}`, path);
}

/**
 * `a + b` for safe integers, or an {@link OverflowError} naming `path` when the exact result is
 * outside ±`Number.MAX_SAFE_INTEGER`.
 */
export function safeAdd(a: number, b: number, path: string): number {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) {
    throw new OverflowError(`${a} + ${b} exceeds Number.MAX_SAFE_INTEGER`, path);
  }
  return sum;
}
