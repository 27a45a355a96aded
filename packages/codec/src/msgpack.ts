import { DecodeError } from '@nlbd/core';
import { Packr, Unpackr } from 'msgpackr';
import type { ResolvedLimits } from './limits.js';
import { checkStructure } from './structure.js';

// Plain data only, both ways: no records (which reinterpret fixints 0x40-0x7f), no structured
// clone or extra types, maps decoded as `Map`s (so a key '__proto__' stays an ordinary key), and
// binary data copied out rather than viewed (a decoded state must not alias the input bytes).
const packr = new Packr({
  useRecords: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  useFloat32: 0,
  variableMapSize: true,
});
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: false,
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  copyBuffers: true,
  sequential: false,
});

/** msgpack bytes of `value` (arrays, `Map`s, numbers, strings, booleans, null, `Uint8Array`s). */
export function pack(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * The one msgpack value `body` holds, after {@link checkStructure} has bounded it; a malformed
 * body is a `DecodeError`, never any other exception.
 */
export function unpackChecked(body: Uint8Array, limits: ResolvedLimits): unknown {
  checkStructure(body, limits);
  try {
    return unpackr.unpack(body);
  } catch (error) {
    throw new DecodeError(
      `malformed msgpack: ${error instanceof Error ? error.message : String(error)}`,
      'body',
    );
  }
}
