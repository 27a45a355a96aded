import { ValidationError } from '@nlbd/core';
import {
  BASE_TYPE_TAGS,
  crdtOf,
  EWFlag,
  GCounter,
  GSet,
  LWWMap,
  LWWRegister,
  MAX_TYPE_DEPTH,
  MVRegister,
  ORMap,
  ORSet,
  PNCounter,
} from '@nlbd/crdts';
import { describe, expect, it } from 'vitest';

const BASE = [GCounter, PNCounter, GSet, ORSet, EWFlag, MVRegister, LWWRegister, LWWMap];

describe('crdtOf', () => {
  it('gives back every built-in descriptor from its tag', () => {
    expect([...BASE_TYPE_TAGS].sort()).toEqual(BASE.map((c) => c.type).sort());
    for (const crdt of BASE) expect(crdtOf(crdt.type)).toBe(crdt);
  });

  it('builds nested OR-Maps, the same descriptor ORMap.of makes', () => {
    expect(crdtOf('ormap<orset>')).toBe(ORMap.of(ORSet));
    expect(crdtOf('ormap<ormap<pncounter>>')).toBe(ORMap.of(ORMap.of(PNCounter)));
    const deepest = `${'ormap<'.repeat(MAX_TYPE_DEPTH)}lwwmap${'>'.repeat(MAX_TYPE_DEPTH)}`;
    expect(crdtOf(deepest).type).toBe(deepest);
  });

  it('refuses unknown tags, malformed nesting and nesting past the bound with a ValidationError', () => {
    const tooDeep = `${'ormap<'.repeat(MAX_TYPE_DEPTH + 1)}orset${'>'.repeat(MAX_TYPE_DEPTH + 1)}`;
    const huge = `${'ormap<'.repeat(100_000)}orset${'>'.repeat(100_000)}`;
    for (const bad of [
      '',
      'ORSet',
      ' orset',
      'orset ',
      'ormap',
      'ormap<>',
      'ormap<orset',
      'ormap<orset>>',
      'ormap<<orset>>',
      'ormap<__proto__>',
      'constructor',
      'ormap<orset,lwwmap>',
      tooDeep,
      huge,
    ]) {
      expect(() => crdtOf(bad), bad.slice(0, 40)).toThrow(ValidationError);
    }
    expect(() => crdtOf(tooDeep)).toThrow(/deeper than 8/);
    expect(() => crdtOf('ormap<sets>')).toThrow(/unknown CRDT type 'sets' in 'ormap<sets>'/);
    expect(() => crdtOf(42 as unknown as string)).toThrow(ValidationError);
  });
});
