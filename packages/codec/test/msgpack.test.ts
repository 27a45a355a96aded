import { DecodeError } from '@nlbd/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../src/limits.js';
import { pack, unpackChecked } from '../src/msgpack.js';
import { loadValue } from '../src/values.js';

const read = (bytes: number[] | Uint8Array) => unpackChecked(Uint8Array.from(bytes), DEFAULT_LIMITS);

/** Integers at and around every msgpack width boundary, both signs (no -0: msgpackr writes 0). */
const boundaries = [0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, 2 ** 32, 2 ** 53 - 1].flatMap(
  (x) => [x, x - 1, x + 1, -x + 0, -x - 1, -x + 1],
);

/** Plain data of every kind the body reader takes: integers of all widths, doubles, text, bytes. */
const plainData: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(...boundaries),
    fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
    fc.double().map((x) => (x === 0 ? 0 : x)), // msgpackr writes -0 as the integer 0
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 20 }),
    fc.array(tie('value'), { maxLength: 5 }),
  ),
})).value;

describe('unpackChecked', () => {
  it('reads back what msgpackr writes', () => {
    fc.assert(
      fc.property(plainData, (value) => {
        const bytes = pack(value);
        expect(read(bytes)).toEqual(value);
      }),
    );
  });

  it('reads each integer and float width, signed and unsigned, big-endian', () => {
    expect(read([0xcc, 0xff])).toBe(255);
    expect(read([0xcd, 0x12, 0x34])).toBe(0x1234);
    expect(read([0xce, 0xff, 0xff, 0xff, 0xff])).toBe(0xffffffff);
    expect(read([0xd0, 0x80])).toBe(-128);
    expect(read([0xd0, 0x7f])).toBe(127);
    expect(read([0xd1, 0x80, 0x00])).toBe(-32768);
    expect(read([0xd1, 0xff, 0xfe])).toBe(-2);
    expect(read([0xd2, 0x80, 0x00, 0x00, 0x00])).toBe(-(2 ** 31));
    expect(read([0xd2, 0x7f, 0xff, 0xff, 0xff])).toBe(2 ** 31 - 1);
    expect(read([0xca, 0x3f, 0xc0, 0x00, 0x00])).toBe(1.5);
    expect(read([0xca, 0xc0, 0x49, 0x0f, 0xdb])).toBe(Math.fround(-Math.PI));
    expect(read([0xcb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18])).toBe(Math.PI);
    expect(read([0x92, 0xcb, 0, 0, 0, 0, 0, 0, 0, 1, 0xca, 0x7f, 0x80, 0, 0])).toEqual([
      Number.MIN_VALUE,
      Number.POSITIVE_INFINITY,
    ]);
  });

  it('refuses a number or a length cut short, naming which', () => {
    for (const cut of [
      [0xcd, 0x01],
      [0xce, 1, 2, 3],
      [0xd1, 1],
      [0xd2],
      [0xca, 1, 2],
      [0xcb, 1, 2, 3, 4, 5, 6, 7],
    ])
      expect(() => read(cut)).toThrow(/truncated number/);
    for (const cut of [[0xd9], [0xda, 0], [0xdc, 0], [0xc6, 1, 2]])
      expect(() => read(cut)).toThrow(/truncated length/);
    expect(() => read([0xcd, 0x01])).toThrow(DecodeError);
  });
});

describe('values read from msgpack', () => {
  it('a crafted float -0 reads as 0', () => {
    expect(Object.is(loadValue(read([0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0]), 'v'), 0)).toBe(true);
  });
});
