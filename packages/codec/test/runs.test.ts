import { DecodeError } from '@nlbd/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperty } from '../../../test/support/property.ts';
import { readDeltas, readRuns, writeRuns } from '../src/runs.js';

/** Integer columns with long runs, short runs and extremes, as LWW columns have. */
const column = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.integer({ min: -3, max: 3 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
        fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 63, 64, -64, 8191, 8192),
      ),
      fc.integer({ min: 1, max: 5 }),
    ),
    { maxLength: 40 },
  )
  .map((runs) => runs.flatMap(([v, n]) => new Array<number>(n).fill(v)));

describe('run-length varint columns', () => {
  it('read back what they wrote, and write it back byte for byte', () => {
    checkProperty(
      fc.property(column, (values) => {
        const bytes = writeRuns(values);
        const back = readRuns(bytes, values.length, 'c');
        expect([...back]).toEqual(values);
        expect(writeRuns(back)).toEqual(bytes);
      }),
      { ciRuns: 300, localRuns: 100 },
    );
  });

  it('accumulate delta-coded columns within the safe range', () => {
    expect([...readDeltas(writeRuns([5, 1, 1, 1]), 4, 'c', 1)]).toEqual([5, 6, 7, 8]);
    expect(() => readDeltas(writeRuns([Number.MAX_SAFE_INTEGER, 1]), 2, 'c', 0)).toThrow(/safe integers/);
    expect(() => readDeltas(writeRuns([1, -2]), 2, 'c', 0)).toThrow(/≥ 0/);
  });

  it('refuses a run of the value a literal group just ended with (not canonical)', () => {
    const bytes = new Uint8Array([0x41, 0, 0x02, 0]);
    expect(() => readRuns(bytes, 3, 'c')).toThrow(DecodeError);
    expect(() => readRuns(bytes, 3, 'c')).toThrow(/equal adjacent values must be one run/);
    expect([...readRuns(new Uint8Array([0x41, 1, 0x02, 0]), 3, 'c')]).toEqual([1, 0, 0]);
  });

  it('never allocates more than the expected count, whatever a run declares', () => {
    const huge = new Uint8Array([0xbf, 0xff, 0xff, 0xff, 0xff, 0x7f, 0]); // a run of ~2^41
    expect(() => readRuns(huge, 10, 'c')).toThrow(/more than 10 values/);
  });
});
