import { type Crdt, DecodeError, type Digest, type ReplicaId, ValidationError } from '@nlbd/core';
import { type DecodeOptions, open, readJoiner, seal } from './codec.js';
import { readDigest, writeDigest } from './context.js';
import type { EnvelopeOptions, Header, WireHeader } from './envelope.js';
import { lookup } from './registry.js';
import { asArray, asCount, fail, type Reader, type WriteOptions, type Writer } from './wire.js';

/** What a {@link MessageCodec} writes with: replica ids, states and digests share the message's table. */
export interface MessageWriter {
  /** The index of `id` in the message's replica table. */
  replica(id: ReplicaId): number;
  /** The layout of a state or delta of `crdt`, to embed in the message data. */
  state<S>(crdt: Crdt<S, unknown>, state: S): unknown;
  /** The layout of a digest. */
  digest(digest: Digest): unknown;
}

/** What a {@link MessageCodec} reads with; every helper throws a `DecodeError` naming `path`. */
export interface MessageReader {
  /** The replica id at a table index. */
  replica(x: unknown, path: string): ReplicaId;
  /** `x` as a safe integer ≥ `min` (sequence numbers, counts). */
  count(x: unknown, path: string, min?: number): number;
  /** `x` as an array. */
  array(x: unknown, path: string): unknown[];
  /** A state or delta of `crdt` written by {@link MessageWriter.state}, fully validated. */
  state<S>(crdt: Crdt<S, unknown>, x: unknown, path: string): S;
  /**
   * A state or delta of `crdt`, fully validated, as a function that joins it into a target (and
   * returns whether the target changed): what `decodeInto` does for a whole message, so that an
   * LWW-Map's rows join without the state being built. Call it once the whole message is read,
   * so that a refused message changes nothing. With `once`, it joins one target only (a second
   * call throws), and a causal type's decoded state becomes a bottom target's own, unjoined: a
   * full state into an empty replica then builds nothing twice.
   */
  joiner<S>(crdt: Crdt<S, unknown>, x: unknown, path: string, once?: boolean): (target: S) => boolean;
  /** A digest written by {@link MessageWriter.digest}. */
  digest(x: unknown, path: string): Digest;
  /** Refuses the message. */
  fail(reason: string, path: string): never;
}

/**
 * How one kind of sync message maps to msgpack data: `encode` returns arrays of numbers,
 * strings, booleans, null, byte arrays and the values the writer returns (no objects: they would
 * decode as `Map`s); `decode` must validate everything it reads through the reader.
 */
export interface MessageCodec<M> {
  encode(message: M, w: MessageWriter): unknown;
  decode(data: unknown, r: MessageReader): M;
}

/** A registered message kind: encodes and decodes its messages. */
export interface MessageType<M> {
  readonly kind: string;
  encode(message: M, options?: EnvelopeOptions & WriteOptions): Uint8Array;
  /** Decodes a message of this kind; any other kind is a `DecodeError`. */
  decode(bytes: Uint8Array, options?: DecodeOptions): M;
}

const codecs = new Map<string, MessageCodec<unknown>>();

function writerFor(w: Writer): MessageWriter {
  return {
    replica: (id) => w.intern(id),
    state: (crdt, state) => lookup.state(crdt as Crdt<unknown, unknown>).write(state, w),
    digest: (digest) => writeDigest(digest, w),
  };
}

/** The {@link MessageReader} over a message's reader: methods, so a decode allocates one object. */
class ReaderOfMessage implements MessageReader {
  readonly #r: Reader;

  constructor(r: Reader) {
    this.#r = r;
  }

  replica(x: unknown, path: string): ReplicaId {
    return this.#r.replica(x, path);
  }

  count(x: unknown, path: string, min = 0): number {
    return asCount(x, path, min);
  }

  array(x: unknown, path: string): unknown[] {
    return asArray(x, path);
  }

  state<S>(crdt: Crdt<S, unknown>, x: unknown, path: string): S {
    return lookup.state(crdt as Crdt<unknown, unknown>).read(x, this.#r, path) as S;
  }

  joiner<S>(crdt: Crdt<S, unknown>, x: unknown, path: string, once = false): (target: S) => boolean {
    return readJoiner(crdt, x, this.#r, path, once);
  }

  digest(x: unknown, path: string): Digest {
    return readDigest(x, this.#r, path);
  }

  fail(reason: string, path: string): never {
    return fail(reason, path);
  }
}

/** The payload of a message of a registered kind, decoded by the kind's codec (checked before). */
function readPayload(payload: unknown, r: Reader, h: Header): unknown {
  return (codecs.get(h.tag) as MessageCodec<unknown>).decode(payload, new ReaderOfMessage(r));
}

/** A message of a registered kind and its kind, for dispatch. */
function readMessage(payload: unknown, r: Reader, h: Header): { kind: string; message: unknown } {
  return { kind: h.tag, message: readPayload(payload, r, h) };
}

/** Refuses a header that is not a message of kind `only` (of any registered kind if undefined). */
function checkMessage(h: WireHeader, only: string | undefined): void {
  if (h.kind !== 'message') throw new DecodeError(`expected a message, got a ${h.kind}`, 'header.kind');
  if ((only !== undefined && h.tag !== only) || !codecs.has(h.tag))
    throw new DecodeError(`unknown message kind '${h.tag}'`, 'header.tag');
}

/** The options of a decode given none. */
const NO_OPTIONS: DecodeOptions = Object.freeze({});

/**
 * Registers a message kind (a tag of 1-255 printable ASCII characters, e.g. `'sync.delta'`) for
 * the sync layer. A kind registers once; registering it again is a `ValidationError`.
 * @example
 * const Ack = registerMessage<{ seq: number }>('sync.ack', {
 *   encode: (m) => [m.seq],
 *   decode: (data, r) => ({ seq: r.count(r.array(data, 'ack')[0], 'ack.seq') }),
 * });
 * Ack.decode(Ack.encode({ seq: 7 })); // { seq: 7 }
 */
export function registerMessage<M>(kind: string, codec: MessageCodec<M>): MessageType<M> {
  if (!/^[\x21-\x7e]{1,255}$/.test(kind))
    throw new ValidationError('a message kind must be 1-255 printable ASCII characters', 'kind');
  if (codecs.has(kind)) throw new ValidationError(`message kind '${kind}' is already registered`, 'kind');
  codecs.set(kind, codec as MessageCodec<unknown>);
  return {
    kind,
    encode: (message, options = {}) =>
      seal('message', kind, (w) => codec.encode(message, writerFor(w)), options),
    decode: (bytes, options = NO_OPTIONS) =>
      open(bytes, options, checkMessage, readPayload, undefined, kind) as M,
  };
}

/**
 * Decodes a message of any registered kind, for dispatch on `kind`; the kind is checked from the
 * header, before the body is read.
 */
export function decodeMessage(
  bytes: Uint8Array,
  options: DecodeOptions = NO_OPTIONS,
): { kind: string; message: unknown } {
  return open(bytes, options, checkMessage, readMessage, undefined, undefined as string | undefined);
}
