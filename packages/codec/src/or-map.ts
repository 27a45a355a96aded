import type { Crdt } from '@nlbd/core';
import type { DotMap, ORMapType, Presence, StoredKey } from '@nlbd/crdts';
import { causalCodec, dotFunCodec } from './dot-stores.js';
import { readKeys, sortKeys, writeKeys } from './keys.js';
import type { StateCodec, StoreCodec } from './layout.js';
import { asArray, asTuple, fail } from './wire.js';

/** Finds the codecs of a value type (the registry, passed in to keep modules acyclic). */
export interface CodecLookup {
  state(crdt: Crdt<unknown, unknown>): StateCodec<unknown>;
  store(crdt: Crdt<unknown, unknown>): StoreCodec<unknown>;
}

/**
 * The value of a type without dots inside an OR-Map: a dot function from each update's dot to the
 * whole value its writer saw, each value in its type's own layout.
 */
function presenceCodec(value: StateCodec<unknown>): StoreCodec<Presence<unknown>> {
  return dotFunCodec(
    (values, w) => values.map((v) => value.write(v, w)),
    (x, r, path) => asArray(x, path).map((v, i) => value.read(v, r, `${path}[${i}]`)),
  );
}

/**
 * The store of an OR-Map: `[...keys, values]`, `values` holding each key's nested store (the value
 * type's store layout, or a presence), none empty. The state is `[context, store]`.
 */
export function ormapCodecs(
  type: ORMapType<unknown, unknown>,
  lookup: CodecLookup,
): { state: StateCodec<unknown>; store: StoreCodec<unknown> } {
  const inner: StoreCodec<unknown> = type.nestedCausal
    ? lookup.store(type.valueType)
    : (presenceCodec(lookup.state(type.valueType)) as StoreCodec<unknown>);
  const store: StoreCodec<DotMap<StoredKey, unknown>> = {
    writeStore(t, w) {
      const keys = sortKeys(t.keys());
      return [...writeKeys(keys), keys.map((k) => inner.writeStore(t.get(k), w))];
    },
    readStore(x, r, context, live, nonEmpty, path) {
      const parts = asTuple(x, 5, path);
      const keys = readKeys(parts, 0, r, path);
      if (nonEmpty && keys.length === 0) fail('an OR-Map value must not be empty', path);
      const values = asArray(parts[4], `${path}.values`);
      if (values.length !== keys.length) fail('expected one value per key', `${path}.values`);
      const out = new Map<StoredKey, unknown>();
      for (let i = 0; i < keys.length; i++) {
        out.set(
          keys[i] as StoredKey,
          inner.readStore(values[i], r, context, live, true, `${path}.values[${i}]`),
        );
      }
      return out;
    },
  };
  return { state: causalCodec(store) as StateCodec<unknown>, store: store as StoreCodec<unknown> };
}
