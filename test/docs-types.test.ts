import { describe, expect, it } from 'vitest';
import * as counters from '../docs/examples/types/counters.ts';
import * as ewFlag from '../docs/examples/types/ew-flag.ts';
import * as gSet from '../docs/examples/types/g-set.ts';
import * as lwwMap from '../docs/examples/types/lww-map.ts';
import * as lwwRegister from '../docs/examples/types/lww-register.ts';
import * as mvRegister from '../docs/examples/types/mv-register.ts';
import * as orMap from '../docs/examples/types/or-map.ts';
import * as orSet from '../docs/examples/types/or-set.ts';
import { checkGuide } from './support/doc-pages.ts';

describe('docs/types.md', () => {
  checkGuide('types.md', 'examples/types/');
});

describe('docs/examples/types: the concurrent cases the page states', () => {
  it('counters sum concurrent increments and decrements', () => {
    expect(counters.views).toEqual([5, 5]);
    expect(counters.stock).toEqual([3, 3]);
  });

  it('G-Set merges concurrent adds', () => {
    expect(gSet.items).toEqual([new Set(['milk', 'eggs']), new Set(['milk', 'eggs'])]);
  });

  it('OR-Set: an add wins over a concurrent remove; a remove removes what it saw', () => {
    expect(orSet.items).toEqual([new Set(['milk']), new Set(['milk'])]);
  });

  it('EW-Flag: enable wins over a concurrent disable', () => {
    expect(ewFlag.done).toEqual([true, true]);
  });

  it('MV-Register keeps concurrent writes until a later write sees them', () => {
    expect(mvRegister.conflict).toEqual([
      ['Groceries', 'Shopping'],
      ['Groceries', 'Shopping'],
    ]);
    expect(mvRegister.resolved).toEqual(['Groceries & shopping']);
  });

  it('LWW-Register: equal timestamps are broken by replica id', () => {
    expect(lwwRegister.colour).toEqual(['blue', 'blue']);
  });

  it('LWW-Map: a later delete beats an earlier concurrent set', () => {
    const expected = new Map([['owner', 'alice']]);
    expect(lwwMap.rows).toEqual([expected, expected]);
  });

  it('OR-Map: a concurrent update survives a removal (alone, or with the value its writer saw)', () => {
    const list = new Map([['list', new Set(['eggs'])]]);
    expect(orMap.lists).toEqual([list, list]);
    expect(orMap.votes).toEqual([new Map([['pizza', 3]]), new Map([['pizza', 3]])]);
  });
});
