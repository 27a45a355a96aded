import { describe, expect, it } from 'vitest';
import { fuzzCases, runCase } from './support/fuzz.ts';

describe('fuzz', () => {
  it('only ever decodes a valid state or throws a DecodeError', () => {
    const count = process.env.CI ? 10_000 : 1_000;
    const seed = Number(process.env.FUZZ_SEED ?? 1);
    const next = fuzzCases(seed);
    const outcomes = { decoded: 0, refused: 0 };
    for (let i = 0; i < count; i++) outcomes[runCase(next(i))]++;
    expect(outcomes.decoded + outcomes.refused).toBe(count);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
