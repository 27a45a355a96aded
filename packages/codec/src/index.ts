export {
  type DecodeOptions,
  decode,
  decodeDigest,
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
