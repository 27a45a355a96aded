/** The name of a peer on a transport (a replica id, a connection id, a simulated node). */
export type PeerId = string;

/** A change in who is reachable. */
export interface PeerEvent {
  readonly type: 'join' | 'leave';
  readonly peer: PeerId;
}

/**
 * How a {@link SyncNode} talks to its peers: fire-and-forget bytes to a peer id, bytes from a peer
 * id, and peers joining and leaving. Nothing is promised about delivery: messages may be lost,
 * duplicated, reordered or delayed, and the protocols converge anyway. The simulator, the
 * WebSocket transport and tests implement it.
 */
export interface Transport {
  /** This end's own peer id. */
  readonly self: PeerId;
  /** The peers reachable now (never `self`). */
  peers(): readonly PeerId[];
  /** Sends `bytes` to `peer`; silently dropped if `peer` is unreachable. */
  send(peer: PeerId, bytes: Uint8Array): void;
  /** Registers the handler for incoming messages; returns a function that removes it. */
  onMessage(handler: (from: PeerId, bytes: Uint8Array) => void): () => void;
  /** Registers the handler for peers joining and leaving; returns a function that removes it. */
  onPeer(handler: (event: PeerEvent) => void): () => void;
}
