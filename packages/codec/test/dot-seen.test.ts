import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperty } from '../../../test/support/property.ts';
import { DotSeen } from '../src/dot-seen.js';

/** Dots as a run would bring them: mostly ascending stretches, some jumps back, repeats. */
const dots = fc.array(
  fc.oneof(
    fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 1, max: 40 })).map(([r, c]) => [[r, c]] as const),
    fc
      .tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }))
      .map(([r, c, n]) => Array.from({ length: n }, (_, i) => [r, c + i] as const)),
  ),
  { maxLength: 30 },
);

describe('DotSeen', () => {
  it('refuses exactly the dots recorded before, in any order', () => {
    checkProperty(
      fc.property(dots, (groups) => {
        const seen = new DotSeen();
        const reference = new Set<string>();
        for (const [replica, counter] of groups.flat()) {
          const fresh = !reference.has(`${replica}:${counter}`);
          reference.add(`${replica}:${counter}`);
          expect(seen.add(replica, counter)).toBe(fresh);
        }
      }),
    );
  });

  it('finds a repeat below the highest counter, inside a run or between runs', () => {
    const seen = new DotSeen();
    for (const c of [3, 4, 5, 9, 10, 20]) expect(seen.add('a', c)).toBe(true);
    expect(seen.add('a', 4)).toBe(false);
    expect(seen.add('a', 9)).toBe(false);
    expect(seen.add('a', 7)).toBe(true);
    expect(seen.add('a', 7)).toBe(false);
    expect(seen.add('a', 1)).toBe(true);
    expect(seen.add('a', 1)).toBe(false);
    expect(seen.add('b', 4)).toBe(true);
  });
});
