import { type StoredKey, storeKey } from '@nlbd/crdts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperty } from '../../../test/support/property.ts';
import { keyRunsInOrder, packKeyText, sortKeys, writeKeyRuns, writeKeys } from '../src/keys.js';
import { writeRuns } from '../src/runs.js';

const runs = { ciRuns: 500, localRuns: 100 };

/**
 * Few code units, so keys share prefixes, start one another and differ at every place; some after
 * a shared stem of 4 to 9 units, so that keys agree for whole 4-byte words and differ inside one.
 */
const asciiKey = fc
  .tuple(
    fc.constantFrom('', '', 'abcd', 'abcdef0', 'abcdefgh', 'abcdefg~\u0000'),
    fc.string({ unit: fc.constantFrom('\u0000', '0', '1', 'a', 'b', '~', '\u007f'), maxLength: 6 }),
  )
  .map(([stem, rest]) => stem + rest);
/** Keys off the ASCII fast path: Latin-1, a surrogate pair, the last code unit, numbers, bytes. */
const otherKey = fc.constantFrom<StoredKey>(
  '\u0080',
  'a\u00ff',
  'b\uD83D\uDE00',
  '\uFFFF',
  0,
  -1.5,
  true,
  storeKey(new Uint8Array([1, 2])),
);
const keySet = fc
  .tuple(fc.uniqueArray(asciiKey, { maxLength: 40 }), fc.uniqueArray(otherKey, { maxLength: 2 }))
  .map(([ascii, other]) => [...ascii, ...other] as StoredKey[]);

/** {@link writeKeyRuns} as format 1.1 defines it, from the front coding of {@link writeKeys}. */
function expectedRuns(sorted: readonly StoredKey[]) {
  const [scalars, prefixes, suffixes, bytes] = writeKeys(sorted);
  // Byte keys sort after every string: the first strings are the front-coded ones.
  const lengths = sorted
    .filter((k): k is string => typeof k === 'string')
    .slice(0, prefixes.length)
    .map((k) => k.length);
  return [
    scalars,
    prefixes.length,
    writeRuns(prefixes),
    writeRuns(lengths),
    packKeyText(new TextEncoder().encode(suffixes.join(''))),
    bytes,
  ];
}

describe('key runs', () => {
  it('front-code sorted keys of every kind as format 1.1 defines, ASCII fast or not', () => {
    checkProperty(
      fc.property(keySet, (keys) => {
        const sorted = sortKeys(keys);
        expect(writeKeyRuns(sorted)).toEqual(expectedRuns(sorted));
      }),
      runs,
    );
  });

  it('are refused for keys out of wire order, and written for keys in it', () => {
    checkProperty(
      fc.property(
        keySet.chain((keys) =>
          fc.tuple(fc.constant(keys), fc.shuffledSubarray(keys, { minLength: keys.length })),
        ),
        ([keys, shuffled]) => {
          const sorted = sortKeys(keys);
          const inOrder = shuffled.every((k, i) => k === sorted[i]);
          const runs = keyRunsInOrder(shuffled);
          if (inOrder) expect(runs).toEqual(writeKeyRuns(sorted));
          else expect(runs).toBeUndefined();
        },
      ),
      runs,
    );
  });

  it('read from a map, as from an array of its keys', () => {
    checkProperty(
      fc.property(
        keySet.chain((keys) => fc.shuffledSubarray(keys, { minLength: keys.length })),
        (keys) => {
          const map = new Map(keys.map((k, i) => [k, i]));
          expect(keyRunsInOrder(map)).toEqual(keyRunsInOrder(keys));
          const sorted = sortKeys(keys);
          expect(keyRunsInOrder(new Map(sorted.map((k) => [k, 0])))).toEqual(writeKeyRuns(sorted));
        },
      ),
      runs,
    );
  });

  it('compare keys across the chunks ASCII keys are encoded in', () => {
    // Chunks of 256, 256, 512, 1,024, 2,048, then 4,096 keys: keys 255 and 256 meet across the
    // first boundary, 4,095 and 4,096 across the first between full chunks.
    const sorted = Array.from({ length: 10_000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    expect(keyRunsInOrder(sorted)).toEqual(expectedRuns(sorted));
    expect(keyRunsInOrder(new Map(sorted.map((k) => [k, 0])))).toEqual(expectedRuns(sorted));
    for (const at of [255, 4095, 8191]) {
      const swapped = [...sorted];
      [swapped[at], swapped[at + 1]] = [swapped[at + 1] as string, swapped[at] as string];
      expect(keyRunsInOrder(swapped)).toBeUndefined();
      const repeated = [...sorted];
      repeated[at + 1] = repeated[at] as string;
      expect(keyRunsInOrder(repeated)).toBeUndefined();
    }
  });

  it('are refused for a repeated key', () => {
    expect(keyRunsInOrder(['a', 'a'])).toBeUndefined();
    expect(keyRunsInOrder(['', ''])).toBeUndefined();
    expect(keyRunsInOrder(['ab', 'a'])).toBeUndefined();
    expect(keyRunsInOrder(['a', 'ab'])).toEqual(writeKeyRuns(['a', 'ab']));
  });
});
