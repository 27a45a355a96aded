import { type Crdt, ValidationError } from '@nlbd/core';
import type { ORMapType } from '@nlbd/crdts';
import { gcounterCodec, pncounterCodec } from './counters.js';
import { causalCodec, dotSetStoreCodec, gsetCodec, mvStoreCodec, orsetStoreCodec } from './dot-stores.js';
import type { StateCodec, StoreCodec } from './layout.js';
import { lwwCodec } from './lww.js';
import { type CodecLookup, ormapCodecs } from './or-map.js';

const stores = new Map<string, StoreCodec<unknown>>([
  ['orset', orsetStoreCodec as StoreCodec<unknown>],
  ['ewflag', dotSetStoreCodec as StoreCodec<unknown>],
  ['mvregister', mvStoreCodec as StoreCodec<unknown>],
]);

const states = new Map<string, StateCodec<unknown>>([
  ['gcounter', gcounterCodec as StateCodec<unknown>],
  ['pncounter', pncounterCodec as StateCodec<unknown>],
  ['gset', gsetCodec as StateCodec<unknown>],
  ['lwwmap', lwwCodec as StateCodec<unknown>],
  ['lwwregister', lwwCodec as StateCodec<unknown>],
  ['orset', causalCodec(orsetStoreCodec) as StateCodec<unknown>],
  ['ewflag', causalCodec(dotSetStoreCodec) as StateCodec<unknown>],
  ['mvregister', causalCodec(mvStoreCodec) as StateCodec<unknown>],
]);

const ormaps = new WeakMap<object, { state: StateCodec<unknown>; store: StoreCodec<unknown> }>();

function isORMap(crdt: Crdt<unknown, unknown>): crdt is ORMapType<unknown, unknown> {
  return crdt.type.startsWith('ormap<') && 'valueType' in crdt && 'nestedCausal' in crdt;
}

function ormap(crdt: ORMapType<unknown, unknown>): {
  state: StateCodec<unknown>;
  store: StoreCodec<unknown>;
} {
  let hit = ormaps.get(crdt);
  if (hit === undefined) ormaps.set(crdt, (hit = ormapCodecs(crdt, lookup)));
  return hit;
}

function unknownType(crdt: Crdt<unknown, unknown>): never {
  throw new ValidationError(`@nlbd/codec has no layout for type '${String(crdt?.type)}'`, 'crdt');
}

/** The codecs of every built-in type, and of OR-Maps over them to any depth. */
export const lookup: CodecLookup = {
  state: (crdt) => states.get(crdt.type) ?? (isORMap(crdt) ? ormap(crdt).state : unknownType(crdt)),
  store: (crdt) => stores.get(crdt.type) ?? (isORMap(crdt) ? ormap(crdt).store : unknownType(crdt)),
};
