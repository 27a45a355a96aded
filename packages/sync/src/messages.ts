import type { Digest } from '@nlbd/core';

/**
 * The messages of nlbd's sync protocols, for one replicated object.
 * - `delta`: a delta interval, the join of the sender's buffered deltas up to sequence `seq`;
 *   the receiver joins it and answers `ack` with the same `seq`.
 * - `ack`: the receiver has every buffered delta of the sender up to `seq`.
 * - `digest`: what the sender holds; the receiver answers `since` with what the sender lacks,
 *   and, if `reply` is set and it lacks something itself, its own digest (with `reply` unset).
 *   With `confirm` set the sender is levelling with the receiver (a new neighbour, or one that
 *   missed dropped buffer entries) and repeats the digest every round until the answers show
 *   neither side lacks anything, so the receiver always answers with its own digest too.
 * - `since`: the answer to a digest: `deltaSince(state, digest)`.
 * - `state`: a full state (the baseline full-state gossip protocol).
 */
export type SyncMessage<S> =
  | { readonly kind: 'delta'; readonly seq: number; readonly delta: S }
  | { readonly kind: 'ack'; readonly seq: number }
  | { readonly kind: 'digest'; readonly digest: Digest; readonly reply: boolean; readonly confirm: boolean }
  | { readonly kind: 'since'; readonly delta: S }
  | { readonly kind: 'state'; readonly state: S };

/** The kinds of {@link SyncMessage}. */
export type SyncMessageKind = SyncMessage<unknown>['kind'];

/** An encoded message and how many of its bytes are CRDT payload (states or deltas). */
export interface EncodedMessage {
  readonly bytes: Uint8Array;
  readonly payloadBytes: number;
}

/**
 * Turns messages into bytes and back. `decode` throws only `DecodeError` on malformed bytes;
 * what it returns is validated (a state that violates its type's invariants is refused).
 */
export interface MessageCodec<S> {
  encode(message: SyncMessage<S>): EncodedMessage;
  decode(bytes: Uint8Array): SyncMessage<S>;
}
