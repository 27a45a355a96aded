/**
 * nlbd over real networks: {@link createSyncServer}, a WebSocket server hosting many documents
 * of any type (authentication, authorization, storage, limits, presence), {@link connect}, a
 * client for Node and browsers with reconnection and an offline queue, and
 * {@link BroadcastChannelTransport} between tabs and workers. Guide: `docs/sync-server.md`.
 * Browser bundles import `@nlbd/net/client`, which leaves the server (and `ws`) out.
 * @module @nlbd/net
 */
export * from './client-entry.js';
export type { Access, Reauthorization, ServerLimits } from './connection.js';
export { SERVER_REPLICA } from './hosted-document.js';
export {
  createSyncServer,
  DEFAULT_SERVER_LIMITS,
  type DocumentInfo,
  requestToken,
  type ServerStats,
  type SyncServer,
  type SyncServerOptions,
} from './server.js';
