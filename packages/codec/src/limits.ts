import { DecodeError } from '@nlbd/core';

/**
 * Bounds on what a decoder accepts from untrusted bytes. Every bound is checked before the
 * memory it guards is allocated, so an input can cost at most about `maxBytes` of memory and
 * time linear in `maxBytes`, whatever it declares.
 */
export interface DecodeLimits {
  /**
   * The most bytes accepted, both for the input and for its decompressed body; also the most
   * characters all decoded keys may hold together (front coding could otherwise expand them).
   * Default 64 MiB.
   */
  readonly maxBytes?: number;
  /** The deepest nesting of msgpack arrays and maps (default 100, at most 1,000). */
  readonly maxDepth?: number;
  /**
   * The most array items plus map keys and values in the whole body (default 16,777,216); also
   * the most dots the context clouds of one message may declare (since 1.3, where a run of
   * gaps declares any number of dots in a few bytes).
   */
  readonly maxEntries?: number;
}

/** {@link DecodeLimits} with every field present. */
export type ResolvedLimits = Required<DecodeLimits>;

/** The limits a decoder applies when none are given. */
export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
  maxDepth: 100,
  maxEntries: 16 * 1024 * 1024,
});

/** The hard ceiling on `maxDepth`: deeper recursion could overflow the stack of the decoder. */
export const MAX_DEPTH_CEILING = 1000;

function limit(value: number | undefined, fallback: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new DecodeError(`limit must be an integer in 1..${max}, got ${String(value)}`, `options.${name}`);
  }
  return value;
}

/** The limits in `options` with defaults filled in; a malformed limit is a `DecodeError`. */
export function resolveLimits(options: DecodeLimits = {}): ResolvedLimits {
  if (options.maxBytes === undefined && options.maxDepth === undefined && options.maxEntries === undefined)
    return DEFAULT_LIMITS;
  return {
    maxBytes: limit(options.maxBytes, DEFAULT_LIMITS.maxBytes, 2 ** 32 - 1, 'maxBytes'),
    maxDepth: limit(options.maxDepth, DEFAULT_LIMITS.maxDepth, MAX_DEPTH_CEILING, 'maxDepth'),
    maxEntries: limit(options.maxEntries, DEFAULT_LIMITS.maxEntries, Number.MAX_SAFE_INTEGER, 'maxEntries'),
  };
}
