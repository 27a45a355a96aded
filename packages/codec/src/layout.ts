import type { DotContext } from '@nlbd/core';
import type { DotSeen } from './dot-seen.js';
import type { Reader, Writer } from './wire.js';

/**
 * How one CRDT type's state lays out on the wire: a fixed list of parts (msgpack values, mostly
 * columns), written after the message's replica table. States and deltas share it.
 */
export interface StateCodec<S> {
  /** The parts of `s`, interning replica ids in `w`. Same state, same parts. */
  write(s: S, w: Writer): unknown[];
  /** The state the parts `x` describe; anything malformed is a `DecodeError` naming `path`. */
  read(x: unknown, r: Reader, path: string): S;
  /**
   * Optional, for layouts that can join rows without building their state: validates the parts
   * `x` as {@link read} does, then returns what joins them into a target state (as `joinInto`
   * of the state `read` returns would, and returning the same), which cannot fail.
   */
  readJoin?(x: unknown, r: Reader, path: string): (target: S) => boolean;
  /**
   * Optional: if `target` is bottom, makes it `state` by taking `state`'s parts (so `state` must
   * not be used again) and returns whether it changed, as `joinInto` would; undefined otherwise.
   * For a state just read, which nothing else holds: a join into an empty replica then builds
   * nothing twice.
   */
  adopt?(target: S, state: S): boolean | undefined;
}

/**
 * How a dot store (the state of a causal type without its context) lays out, for OR-Map values
 * that share the map's context.
 */
export interface StoreCodec<T> {
  /** The parts of `t`. */
  writeStore(t: T, w: Writer): unknown[];
  /**
   * The store the parts `x` describe. Every dot must lie in `context` and appear once in the
   * whole state (`live` collects them); `nonEmpty` refuses an empty store (OR-Map values).
   */
  readStore(x: unknown, r: Reader, context: DotContext, live: DotSeen, nonEmpty: boolean, path: string): T;
}
