import { describe, expect, it } from 'vitest';
import { Admission } from '../src/admission.js';

describe('Admission', () => {
  it('admits up to the total and per-address limits, and again after a release', () => {
    const a = new Admission(3, 2);
    expect(a.admit('x')).toBe(true);
    expect(a.admit('x')).toBe(true);
    expect(a.admit('x')).toBe(false);
    expect(a.admit('y')).toBe(true);
    expect(a.admit('z')).toBe(false);
    expect([a.total, a.from('x'), a.from('y'), a.from('z')]).toEqual([3, 2, 1, 0]);
    a.release('x');
    expect(a.admit('z')).toBe(true);
    expect(a.admit('x')).toBe(false);
    a.release('y');
    expect(a.admit('x')).toBe(true);
    expect(a.admit('y')).toBe(false);
    expect([a.total, a.from('x'), a.from('y'), a.from('z')]).toEqual([3, 2, 0, 1]);
  });

  it('forgets an address whose connections are all released, and refuses a release twice', () => {
    const a = new Admission(10, 10);
    a.admit('x');
    a.release('x');
    expect([a.total, a.from('x')]).toEqual([0, 0]);
    expect(() => a.release('x')).toThrow(RangeError);
    expect(a.total).toBe(0);
  });

  it('admits nothing with a limit of 0', () => {
    expect(new Admission(0, 5).admit('x')).toBe(false);
    expect(new Admission(5, 0).admit('x')).toBe(false);
  });
});
