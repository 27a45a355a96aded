import { KeyMap } from '@nlbd/crdts';

/**
 * A deep copy of `x` to compare a state with later (`expect(snapshot(s)).toEqual(before)`):
 * `structuredClone`, except that each `KeyMap` becomes the `Map` of its entries, since a class
 * instance does not survive `structuredClone` and two `KeyMap`s with the same entries may hold
 * them in different chunks.
 */
export function snapshot(x: unknown): unknown {
  return structuredClone(plain(x));
}

function plain(x: unknown): unknown {
  if (x instanceof KeyMap || x instanceof Map) return new Map([...x].map(([k, v]) => [k, plain(v)]));
  if (Array.isArray(x)) return x.map(plain);
  if (x !== null && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype)
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
  return x;
}
