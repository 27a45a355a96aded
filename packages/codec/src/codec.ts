import { type Crdt, DecodeError, type Digest, NlbdError } from '@nlbd/core';
import { readDigest, writeDigest } from './context.js';
import {
  type EnvelopeOptions,
  type Header,
  type Kind,
  readBody,
  readHeader,
  type WireHeader,
  wrap,
} from './envelope.js';
import type { StateCodec } from './layout.js';
import { type DecodeLimits, type ResolvedLimits, resolveLimits } from './limits.js';
import { pack } from './msgpack.js';
import { lookup } from './registry.js';
import { asTuple, Reader, type WriteOptions, Writer } from './wire.js';

/** Options of {@link encode}. */
export interface EncodeOptions extends EnvelopeOptions, WriteOptions {
  /** Whether the bytes carry a full state or a delta (default `'state'`); the layout is the same. */
  readonly kind?: 'state' | 'delta';
}

/** Options of every decoder: the limits on untrusted input. */
export interface DecodeOptions extends DecodeLimits {
  /** Refuse a message of another kind (by default {@link decode} takes a state or a delta). */
  readonly kind?: 'state' | 'delta';
}

/** Packs `[replicas, payload]` and wraps it in the envelope. */
export function seal(
  kind: Kind,
  tag: string,
  write: (w: Writer) => unknown,
  options: EnvelopeOptions & WriteOptions = {},
): Uint8Array {
  const w = new Writer(options);
  const payload = write(w);
  return wrap(kind, tag, pack([w.replicas, payload]), options);
}

/**
 * Runs `read` on the payload of `bytes` after the envelope and structure checks (or `bottom` if
 * the message is flagged empty: only states and deltas are); `check` sees the header (and `arg`,
 * so that it need not be a closure) before the body is read. Every failure, from any layer,
 * leaves as a `DecodeError`.
 */
export function open<T, A = undefined>(
  bytes: Uint8Array,
  options: DecodeLimits,
  check: (h: WireHeader, arg: A) => void,
  read: (payload: unknown, r: Reader, h: Header) => T,
  bottom?: () => T,
  arg?: A,
): T {
  try {
    const limits: ResolvedLimits = resolveLimits(options);
    const h = readHeader(bytes);
    if (bytes.length > limits.maxBytes) {
      throw new DecodeError(
        `input of ${bytes.length} bytes exceeds ${limits.maxBytes} (limit maxBytes)`,
        'header',
      );
    }
    check(h, arg as A);
    if (h.empty && bottom !== undefined) return bottom();
    const body = asTuple(readBody(bytes, h, limits), 2, 'body');
    return read(body[1], new Reader(body[0], limits, h.minor), h);
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    // Validation helpers of other packages, or a bug: still a DecodeError, as promised.
    const path = error instanceof NlbdError ? error.path : '';
    throw new DecodeError(error instanceof Error ? error.message : String(error), path);
  }
}

/**
 * Encodes a state or delta of `crdt` (any built-in type, OR-Maps nested to any depth).
 * Deterministic: equal states give equal bytes, and `encode(decode(b))` gives back `b`. The
 * bottom state (`crdt.empty()`) is the header alone, never compressed.
 * @example
 * const bytes = encode(ORSet, state, { compress: true });
 * const copy = decode(ORSet, bytes); // ORSet.equals(copy, state)
 */
export function encode<S>(crdt: Crdt<S, unknown>, state: S, options: EncodeOptions = {}): Uint8Array {
  const codec = lookup.state(crdt as Crdt<unknown, unknown>);
  const kind = options.kind ?? 'state';
  if (crdt.equals(state, crdt.empty())) return wrap(kind, crdt.type, undefined);
  return seal(kind, crdt.type, (w) => codec.write(state, w), options);
}

/**
 * Decodes a state or delta of `crdt` from untrusted bytes, checking the envelope (the type tag
 * must be `crdt.type`), the structure within the limits, and every field against the type's
 * layout. Returns a fresh state sharing nothing with `bytes`; any failure is a `DecodeError` with
 * the path of the offending part.
 */
export function decode<S>(crdt: Crdt<S, unknown>, bytes: Uint8Array, options: DecodeOptions = {}): S {
  const codec = lookup.state(crdt as Crdt<unknown, unknown>);
  return open(
    bytes,
    options,
    (h) => checkState(crdt, h, options),
    (payload, r) => codec.read(payload, r, 'state') as S,
    () => crdt.empty(),
  );
}

/**
 * Decodes a state or delta of `crdt` from untrusted bytes, as {@link decode} does, and joins it
 * into `target`: the same as `crdt.joinInto(target, decode(crdt, bytes, options))`, but where the
 * layout allows (LWW-Map, LWW-Register) the rows join one by one, without building the decoded
 * state first, about half the work for a large state. Everything is validated before anything
 * is joined, so a `DecodeError` leaves `target` unchanged. Returns whether `target` changed.
 * @example
 * const changed = decodeInto(LWWMap, state, bytesFromPeer); // DecodeError: state untouched
 */
export function decodeInto<S>(
  crdt: Crdt<S, unknown>,
  target: S,
  bytes: Uint8Array,
  options: DecodeOptions = {},
): boolean {
  const join = open(
    bytes,
    options,
    (h) => checkState(crdt, h, options),
    (payload, r) => readJoiner(crdt, payload, r, 'state', true),
    () => () => false,
  );
  return join(target);
}

/**
 * The layout `x` of a state or delta of `crdt`, fully validated, as a function that joins it into
 * a target and returns whether the target changed: row by row where the layout allows (LWW-Map,
 * LWW-Register, PN-Counter), else by `crdt.joinInto` of the decoded state. Refusals happen here,
 * before any join. With `once`, the function joins one target only (a second call throws), and a
 * bottom target may take the decoded state as its own (`StateCodec.adopt`) instead of joining it.
 */
export function readJoiner<S>(
  crdt: Crdt<S, unknown>,
  x: unknown,
  r: Reader,
  path: string,
  once = false,
): (target: S) => boolean {
  const codec = lookup.state(crdt as Crdt<unknown, unknown>) as StateCodec<S>;
  let join: (target: S) => boolean;
  if (codec.readJoin !== undefined) join = codec.readJoin(x, r, path);
  else {
    const state = codec.read(x, r, path);
    const adopt = once ? codec.adopt : undefined;
    join =
      adopt === undefined
        ? (target) => crdt.joinInto(target, state)
        : (target) => adopt(target, state) ?? crdt.joinInto(target, state);
  }
  if (!once) return join;
  let used = false;
  return (target) => {
    if (used) throw new Error('a joiner made to join once was called again');
    used = true;
    return join(target);
  };
}

/** Refuses a header that is not a state or delta (of `options.kind`, if set) of `crdt`. */
function checkState(crdt: Crdt<unknown, unknown>, h: Header, options: DecodeOptions): void {
  if (h.kind !== 'state' && h.kind !== 'delta')
    throw new DecodeError(`expected a state or delta, got a ${h.kind}`, 'header.kind');
  if (options.kind !== undefined && h.kind !== options.kind) {
    throw new DecodeError(`expected a ${options.kind}, got a ${h.kind}`, 'header.kind');
  }
  if (h.tag !== crdt.type)
    throw new DecodeError(`expected type '${crdt.type}', got '${h.tag}'`, 'header.tag');
}

/** The tag digests carry in the envelope. */
const DIGEST_TAG = 'digest';

/**
 * Encodes a digest: `[seen, live]` contexts (see `docs/wire-format.md`).
 * @example const bytes = encodeDigest(ORSet.digest(state));
 */
export function encodeDigest(digest: Digest, options: EnvelopeOptions = {}): Uint8Array {
  return seal('digest', DIGEST_TAG, (w) => writeDigest(digest, w), options);
}

/** Decodes a digest from untrusted bytes; contexts must be compact. Failures are `DecodeError`s. */
export function decodeDigest(bytes: Uint8Array, options: DecodeLimits = {}): Digest {
  return open(
    bytes,
    options,
    (h) => {
      if (h.kind !== 'digest' || h.tag !== DIGEST_TAG)
        throw new DecodeError(`expected a digest, got a ${h.kind}`, 'header.kind');
    },
    (payload, r) => readDigest(payload, r, 'digest'),
  );
}

/**
 * The header of `bytes` (version, kind, tag, compression) without decoding the body, for
 * routing; a `DecodeError` if it is not a header this package reads.
 */
export function inspect(bytes: Uint8Array): Header {
  const { major, minor, kind, tag, compressed } = readHeader(bytes);
  return { major, minor, kind, tag, compressed };
}
