import { type DecodeOptions, type MessageReader, registerMessage } from '@nlbd/codec';
import { ValidationError } from '@nlbd/core';

/** The codec message kind of every frame of the nlbd WebSocket protocol. */
export const FRAME_KIND = 'nlbd.net';

/**
 * Why a request about one document was refused, in an {@link Frame | error frame}:
 * - `forbidden`: `authorize` said no (read: no subscription; write: the change was dropped);
 * - `type-mismatch`: the document exists with another CRDT type;
 * - `invalid`: a bad document name, type tag, presence key or value;
 * - `too-many-documents`: the connection is at `maxDocumentsPerConnection`;
 * - `already-subscribed`: this connection already has the document open on another channel;
 * - `presence-limit`: the connection is at `maxPresenceEntries` for the document;
 * - `refused`: the document's type refused a well-formed sync message (nothing changed);
 * - `unavailable`: the document could not be loaded from storage;
 * - `deleted`: the server deleted the document (`SyncServer.deleteDocument`); the subscription is
 *   closed, and frames the client sent on its channel before it heard are ignored.
 */
export type ErrorCode =
  | 'forbidden'
  | 'type-mismatch'
  | 'invalid'
  | 'too-many-documents'
  | 'already-subscribed'
  | 'presence-limit'
  | 'refused'
  | 'unavailable'
  | 'deleted';

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'forbidden',
  'type-mismatch',
  'invalid',
  'too-many-documents',
  'already-subscribed',
  'presence-limit',
  'refused',
  'unavailable',
  'deleted',
]);

/**
 * One frame of the protocol; the `channel` is a number the client picks per subscription, so a
 * document's name crosses the wire once. Directions: c→s, s→c or both.
 * - `welcome` (s→c): the connection is authenticated; `peer` is its id (it names the
 *   connection's presence), `idleTimeoutMs` how long the server waits for a frame before it
 *   closes the connection (the client pings well within it).
 * - `subscribe` (c→s): open document `doc` of CRDT type tag `crdt` on `channel`.
 * - `subscribed` (s→c): the subscription is open; `writable` says whether changes are accepted.
 * - `unsubscribe` (c→s): close the subscription on `channel`.
 * - `sync` (both): `bytes` is one sync message of the document (`syncCodec(crdt)` of `@nlbd/sync`).
 * - `set-presence` (c→s): set (or, with `value` null, delete) this connection's presence entry
 *   `key` to `value` (JSON text) for `ttlMs`.
 * - `presence` (s→c): peer `peer`'s entry `key` is now `value` (null: gone) for `ttlMs` more.
 * - `error` (s→c): a request was refused (`channel` null when it concerns no channel).
 * - `ping`, `pong` (both): liveness; a ping is answered by a pong with the same `nonce`.
 * - `delete` (c→s): delete the document open on `channel` (`SyncServer.deleteDocument`), if
 *   `authorize` allows `'delete'`; every subscriber then gets a `deleted` error, this one too.
 */
export type Frame =
  | { readonly type: 'welcome'; readonly peer: string; readonly idleTimeoutMs: number }
  | { readonly type: 'subscribe'; readonly channel: number; readonly doc: string; readonly crdt: string }
  | { readonly type: 'subscribed'; readonly channel: number; readonly writable: boolean }
  | { readonly type: 'unsubscribe'; readonly channel: number }
  | { readonly type: 'sync'; readonly channel: number; readonly bytes: Uint8Array }
  | {
      readonly type: 'set-presence';
      readonly channel: number;
      readonly key: string;
      readonly value: string | null;
      readonly ttlMs: number;
    }
  | {
      readonly type: 'presence';
      readonly channel: number;
      readonly peer: string;
      readonly key: string;
      readonly value: string | null;
      readonly ttlMs: number;
    }
  | {
      readonly type: 'error';
      readonly channel: number | null;
      readonly code: ErrorCode;
      readonly message: string;
    }
  | { readonly type: 'ping'; readonly nonce: number }
  | { readonly type: 'pong'; readonly nonce: number }
  | { readonly type: 'delete'; readonly channel: number };

/** The type of a {@link Frame}. */
export type FrameType = Frame['type'];

/** Frame types in wire order: a frame's first field is its index here. */
const TAGS: readonly FrameType[] = [
  'welcome',
  'subscribe',
  'subscribed',
  'unsubscribe',
  'sync',
  'set-presence',
  'presence',
  'error',
  'ping',
  'pong',
  'delete', // last: the tags before it keep their numbers
];

/** The field layout of each frame type after the tag, in order; `?` marks a nullable field. */
const FIELDS: { readonly [T in FrameType]: readonly string[] } = {
  welcome: ['peer', 'idleTimeoutMs'],
  subscribe: ['channel', 'doc', 'crdt'],
  subscribed: ['channel', 'writable'],
  unsubscribe: ['channel'],
  sync: ['channel', 'bytes'],
  'set-presence': ['channel', 'key', 'value?', 'ttlMs'],
  presence: ['channel', 'peer', 'key', 'value?', 'ttlMs'],
  error: ['channel?', 'code', 'message'],
  ping: ['nonce'],
  pong: ['nonce'],
  delete: ['channel'],
};

/** The largest channel number and nonce: they are uint32 on the wire (msgpack's compact range). */
export const MAX_CHANNEL = 2 ** 32 - 1;

const FRAME = registerMessage<Frame>(FRAME_KIND, {
  encode(frame) {
    const record = frame as unknown as Record<string, unknown>;
    return [TAGS.indexOf(frame.type), ...FIELDS[frame.type].map((f) => record[f.replace('?', '')] ?? null)];
  },
  decode(data, r) {
    const a = r.array(data, 'frame');
    const type = TAGS[r.count(a[0], 'frame[0]')];
    if (type === undefined) return r.fail(`unknown frame tag ${String(a[0])}`, 'frame[0]');
    const fields = FIELDS[type];
    if (a.length !== fields.length + 1) r.fail(`expected ${fields.length + 1} fields, got ${a.length}`, type);
    const frame: Record<string, unknown> = { type };
    fields.forEach((field, i) => {
      const name = field.replace('?', '');
      const x = a[i + 1];
      frame[name] = x === null && field.endsWith('?') ? null : readField(name, x, `${type}.${name}`, r);
    });
    return frame as unknown as Frame;
  },
});

/** Reads one field by its name: every field of a given name has one type on the wire. */
function readField(name: string, x: unknown, path: string, r: MessageReader): unknown {
  switch (name) {
    case 'channel':
    case 'nonce':
      return r.count(x, path) > MAX_CHANNEL ? r.fail('must be a uint32', path) : x;
    case 'idleTimeoutMs':
    case 'ttlMs':
      return r.count(x, path);
    case 'writable':
      return typeof x === 'boolean' ? x : r.fail('must be a boolean', path);
    case 'bytes':
      return x instanceof Uint8Array ? x : r.fail('must be bytes', path);
    case 'code':
      return typeof x === 'string' && ERROR_CODES.has(x) ? x : r.fail('unknown error code', path);
    default:
      return typeof x === 'string' ? x : r.fail('must be a string', path);
  }
}

/**
 * Encodes a frame for the wire: an `@nlbd/codec` message of kind {@link FRAME_KIND} holding
 * `[tag, ...fields]` (see `docs/sync-server.md` for the table).
 * @example
 * const bytes = encodeFrame({ type: 'ping', nonce: 1 });
 * decodeFrame(bytes); // { type: 'ping', nonce: 1 }
 */
export function encodeFrame(frame: Frame): Uint8Array {
  return FRAME.encode(frame);
}

/**
 * Decodes a frame from untrusted bytes, strictly: wrong kind, unknown tag, wrong arity or a field
 * of the wrong type is a `DecodeError`. Strings are only checked to be strings: what they must be
 * (document names, type tags, presence keys) is checked where they are used.
 */
export function decodeFrame(bytes: Uint8Array, options: DecodeOptions = {}): Frame {
  return FRAME.decode(bytes, options);
}

/**
 * WebSocket close codes the server uses, each saying why it closed a connection. Codes 4000-4999
 * are the application's (RFC 6455 §7.4.2); clients reconnect after every code except
 * `unauthenticated`.
 */
export const CloseCode = {
  /** The client closed on purpose. */
  normal: 1000,
  /** The server is shutting down. */
  goingAway: 1001,
  /** A message was larger than `maxMessageBytes` (sent by `ws` itself). */
  tooBig: 1009,
  /** A well-formed frame broke the protocol (a frame only the server sends, an unknown channel, ...). */
  protocol: 4000,
  /** `authenticate` refused the connection (the client does not retry). */
  unauthenticated: 4001,
  /** A frame or a sync message could not be decoded (or was compressed, or was text). */
  malformed: 4002,
  /** More frames than the rate limit allows. */
  rateLimited: 4003,
  /** No frame arrived within the idle timeout (the peer looks dead). */
  idle: 4004,
  /** The peer does not read: more than `maxBufferedBytes` wait to be sent to it. */
  slowConsumer: 4005,
  /** A handler failed unexpectedly; the server stays up. */
  internal: 4006,
  /** Storage failed for a document of the connection; reconnecting reloads it. */
  storage: 4007,
  /**
   * `reauthorize` found read access to one of the connection's documents gone; subscribing
   * again on the next connection asks `authorize` afresh.
   */
  accessRevoked: 4008,
} as const;

/** A value of {@link CloseCode}. */
export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/** The most UTF-8 bytes of a document name (the same bound as `@nlbd/store`'s). */
export const MAX_DOCUMENT_NAME = 256;

/** The most UTF-8 bytes of a presence key. */
export const MAX_PRESENCE_KEY = 128;

// Control characters make names ambiguous in logs; a lone surrogate has no UTF-8 form.
const CONTROL = /\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;
const utf8 = new TextEncoder();

/**
 * Throws a `ValidationError` naming `path` unless `name` is a non-empty string of at most
 * `maxBytes` UTF-8 bytes with no control characters and no lone surrogates: the rule for document
 * names ({@link MAX_DOCUMENT_NAME}, as every `@nlbd/store` adapter checks them) and presence keys
 * ({@link MAX_PRESENCE_KEY}).
 * @example assertName('notes', MAX_DOCUMENT_NAME, 'doc');
 */
export function assertName(name: unknown, maxBytes: number, path: string): asserts name is string {
  if (typeof name !== 'string') throw new ValidationError(`must be a string, got ${typeof name}`, path);
  if (name.length === 0) throw new ValidationError('must not be empty', path);
  if (CONTROL.test(name) || LONE_SURROGATE.test(name))
    throw new ValidationError('must not contain control characters or lone surrogates', path);
  // Every UTF-16 unit takes at least one UTF-8 byte, so a long string fails before encoding.
  if (name.length > maxBytes || utf8.encode(name).length > maxBytes)
    throw new ValidationError(`must be at most ${maxBytes} UTF-8 bytes`, path);
}

/**
 * A presence value: anything JSON carries (it crosses the wire as JSON text). Plain objects,
 * arrays, strings, finite numbers, booleans and null.
 */
export type PresenceValue =
  | null
  | boolean
  | number
  | string
  | readonly PresenceValue[]
  | { readonly [key: string]: PresenceValue };
