/**
 * The browser-safe part of `@nlbd/net` (no `ws`, no Node built-ins): the client, the wire
 * protocol and the BroadcastChannel transport. Import it as `@nlbd/net/client` in bundles.
 * @module
 */
export {
  type BroadcastChannelLike,
  BroadcastChannelTransport,
  type BroadcastChannelTransportOptions,
} from './broadcast-channel.js';
export {
  type BackoffOptions,
  type ClientStatus,
  type ConnectOptions,
  connect,
  type DocumentHandle,
  RemoteError,
  type SyncClient,
  type UpdateContext,
  type WebSocketConstructor,
  type WebSocketLike,
} from './client.js';
export { DEFAULT_PRESENCE_TTL_MS, type Presence } from './presence.js';
export {
  assertName,
  CloseCode,
  type CloseCodeValue,
  decodeFrame,
  type ErrorCode,
  encodeFrame,
  FRAME_KIND,
  type Frame,
  type FrameType,
  MAX_CHANNEL,
  MAX_DOCUMENT_NAME,
  MAX_PRESENCE_KEY,
  type PresenceValue,
} from './protocol.js';
