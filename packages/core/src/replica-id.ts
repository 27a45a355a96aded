import { ValidationError } from './errors.js';

/**
 * The name of one replica: a non-empty string of at most 64 UTF-8 bytes with no control
 * characters. Two live replicas must never share an id; {@link randomReplicaId} makes that
 * overwhelmingly likely without coordination.
 */
export type ReplicaId = string;

/** The most UTF-8 bytes a {@link ReplicaId} may take. */
export const MAX_REPLICA_ID_BYTES = 64;

// C0 controls, DEL and C1 controls: they make ids ambiguous in logs and terminals.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && isLowSurrogate(s.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3; // a lone surrogate is encoded as U+FFFD, 3 bytes
  }
  return bytes;
}

/**
 * Whether `value` is a valid {@link ReplicaId}.
 * @example isReplicaId('alice') // true
 */
export function isReplicaId(value: unknown): value is ReplicaId {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_REPLICA_ID_BYTES &&
    !CONTROL.test(value) &&
    utf8Length(value) <= MAX_REPLICA_ID_BYTES
  );
}

/**
 * Throws a {@link ValidationError} naming `path` unless `value` is a valid {@link ReplicaId}.
 * @example assertReplicaId(input.replica, 'message.replica')
 */
export function assertReplicaId(value: unknown, path = 'replica'): asserts value is ReplicaId {
  if (isReplicaId(value)) return;
  if (typeof value !== 'string')
    throw new ValidationError(`replica id must be a string, got ${typeof value}`, path);
  if (value.length === 0) throw new ValidationError('replica id must not be empty', path);
  if (CONTROL.test(value)) throw new ValidationError('replica id must not contain control characters', path);
  throw new ValidationError(`replica id must be at most ${MAX_REPLICA_ID_BYTES} UTF-8 bytes`, path);
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A fresh random 128-bit replica id from the platform's cryptographic generator, written as 22
 * base64url characters (the last carries 2 bits). Works in Node and in browsers.
 * @example const me = randomReplicaId(); // e.g. 'q3Z0dA1xR8mB2vW9cK4eLg'
 */
export function randomReplicaId(): ReplicaId {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += BASE64URL[(acc >> bits) & 63];
    }
  }
  return out + BASE64URL[(acc << (6 - bits)) & 63];
}
