/**
 * nlbd's binary wire format on msgpackr: a versioned envelope, compact columnar layouts for every
 * type, digests, a registry of sync messages, and strict decoding of untrusted bytes (every
 * failure a `DecodeError` with a path; nothing decoded ever reaches a prototype).
 * @module @nlbd/codec
 */
export {
  type DecodeOptions,
  decode,
  decodeDigest,
  decodeInto,
  type EncodeOptions,
  encode,
  encodeDigest,
  inspect,
} from './codec.js';
export { type EnvelopeOptions, FORMAT_VERSION, type Header, type Kind, MAGIC } from './envelope.js';
export { DEFAULT_LIMITS, type DecodeLimits } from './limits.js';
export {
  decodeMessage,
  type MessageCodec,
  type MessageReader,
  type MessageType,
  type MessageWriter,
  registerMessage,
} from './messages.js';
export type { WriteOptions } from './wire.js';
