import { type Crdt, ValidationError } from '@nlbd/core';
import { EWFlag } from './ew-flag.js';
import { GCounter } from './g-counter.js';
import { GSet } from './g-set.js';
import { LWWMap } from './lww-map.js';
import { LWWRegister } from './lww-register.js';
import { MVRegister } from './mv-register.js';
import { ORMap } from './or-map.js';
import { ORSet } from './or-set.js';
import { PNCounter } from './pn-counter.js';

/**
 * The deepest nesting of OR-Maps {@link crdtOf} accepts: `ormap<ormap<orset>>` nests 2. The
 * bound keeps a type tag from outside (a network peer's, a file's) from costing unbounded
 * recursion; every type tag also fits the codec's 255-character envelope tags.
 */
export const MAX_TYPE_DEPTH = 8;

const BASE_TYPES: ReadonlyMap<string, Crdt<unknown, unknown>> = new Map(
  [GCounter, PNCounter, GSet, ORSet, EWFlag, MVRegister, LWWRegister, LWWMap].map((crdt) => [
    crdt.type,
    crdt as Crdt<unknown, unknown>,
  ]),
);

/** The type tags {@link crdtOf} knows without nesting, e.g. `'orset'`, `'lwwmap'`. */
export const BASE_TYPE_TAGS: readonly string[] = [...BASE_TYPES.keys()];

/**
 * The CRDT descriptor whose wire tag (`crdt.type`) is `type`: a base tag (`'gcounter'`,
 * `'pncounter'`, `'gset'`, `'orset'`, `'ewflag'`, `'mvregister'`, `'lwwregister'`, `'lwwmap'`) or
 * `ormap<T>` for an OR-Map of any such type, nested at most {@link MAX_TYPE_DEPTH} deep.
 *
 * Invariant: `crdtOf(t).type === t` for every tag it accepts, and `crdtOf(x.type)` is `x` for every
 * built-in descriptor (OR-Map types are cached per value type). Anything else, including
 * whitespace, is a `ValidationError` naming the offending part.
 * @example
 * crdtOf('orset'); // ORSet
 * crdtOf('ormap<pncounter>') === ORMap.of(PNCounter); // true
 */
export function crdtOf(type: string): Crdt<unknown, unknown> {
  if (typeof type !== 'string')
    throw new ValidationError(`a type tag must be a string, got ${typeof type}`, 'type');
  let depth = 0;
  let rest = type;
  while (rest.startsWith('ormap<') && rest.endsWith('>')) {
    if (++depth > MAX_TYPE_DEPTH) {
      throw new ValidationError(`OR-Maps nest deeper than ${MAX_TYPE_DEPTH} in '${clip(type)}'`, 'type');
    }
    rest = rest.slice('ormap<'.length, -1);
  }
  let crdt = BASE_TYPES.get(rest);
  if (crdt === undefined) {
    throw new ValidationError(
      `unknown CRDT type '${clip(rest)}' in '${clip(type)}' (known: ${BASE_TYPE_TAGS.join(', ')}, ormap<T>)`,
      'type',
    );
  }
  for (let i = 0; i < depth; i++) crdt = ORMap.of(crdt) as Crdt<unknown, unknown>;
  return crdt;
}

/** A tag as it goes into an error message: bounded, so a huge input makes a short message. */
function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
