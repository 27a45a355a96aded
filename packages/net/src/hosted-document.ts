import { inspect } from '@nlbd/codec';
import { type Crdt, DecodeError, HybridLogicalClock, NlbdError } from '@nlbd/core';
import { admitTimestamps } from '@nlbd/crdts';
import { type PeerEvent, type PeerId, type SyncCodec, SyncNode, syncCodec, type Transport } from '@nlbd/sync';
import type { DocumentLog } from './document-log.js';
import { PresenceTable } from './presence-table.js';
import type { ErrorCode, Frame } from './protocol.js';

/** What a hosted document needs of a connection: its peer id, a way to send it frames, to close it. */
export interface FrameSink {
  readonly id: PeerId;
  send(frame: Frame): void;
  close(code: number, reason: string): void;
}

/** One subscription of a connection to a hosted document. */
export interface Subscriber {
  readonly conn: FrameSink;
  readonly channel: number;
  readonly writable: boolean;
}

/** Why a hosted document refused a client's input; the connection decides what to do. */
export class Refusal extends Error {
  constructor(
    readonly code: ErrorCode | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

/** How a hosted document behaves (from the server's options). */
export interface HostedDocumentOptions<S> {
  readonly log: DocumentLog<S> | undefined;
  /** How long after a change the document ships it to its subscribers. */
  readonly flushMs: number;
  /** Called when an append failed: the document must be retired. */
  readonly onPersistError: (error: unknown) => void;
  /** Called after every change of the state: `'server'` for the server's own, else the subscriber's id. */
  readonly onChange?: (origin: PeerId | 'server') => void;
}

/** The replica id, and clock name, of the server's own changes to the documents it hosts. */
export const SERVER_REPLICA = 'nlbd-server';

/**
 * One document hosted by the server: a {@link SyncNode} replica whose peers are the subscribed
 * connections, its durable log, and its presence entries (never persisted).
 *
 * Invariant: the node acks a client's delta only once every change so far has been appended to
 * the log, so an acknowledged delta survives a restart of the server.
 */
export class HostedDocument<S> {
  readonly name: string;
  readonly crdt: Crdt<S, unknown>;
  readonly node: SyncNode<S, unknown>;
  readonly subscribers = new Map<PeerId, Subscriber>();
  /** Presence values as the JSON text they arrived in, by connection id and key. */
  readonly presence: PresenceTable<string>;
  /** Whether the server has dropped this document (after an append failed, or when unloaded). */
  retired = false;
  readonly #codec: SyncCodec<S>;
  readonly #clock = new HybridLogicalClock(SERVER_REPLICA);
  readonly #log: DocumentLog<S> | undefined;
  readonly #flushMs: number;
  readonly #peerHandlers = new Set<(event: PeerEvent) => void>();
  /** For each subscriber, the sequence number of the last interval shipped to it. */
  readonly #shipped = new Map<PeerId, number>();
  #shipTimer: ReturnType<typeof setTimeout> | undefined;
  /** The append of the latest change, once there is a log. */
  #lastAppend: Promise<void> | undefined;

  constructor(name: string, crdt: Crdt<S, unknown>, state: S, options: HostedDocumentOptions<S>) {
    this.name = name;
    this.crdt = crdt;
    this.#codec = syncCodec(crdt);
    this.#log = options.log;
    this.#flushMs = options.flushMs;
    this.presence = new PresenceTable<string>(() => {
      // Clients expire entries by their own clocks: nothing to tell anyone.
    });
    const log = this.#log;
    this.node = new SyncNode({
      crdt,
      transport: this.#transport(),
      codec: this.#codec,
      state,
      protocols: { delta: true, digest: false, fullState: false },
      onChange: (origin) => {
        this.scheduleShip();
        options.onChange?.(origin === 'local' ? 'server' : origin);
      },
      // A client's LWW timestamps may not run further ahead of the server's clock than its skew bound.
      admit: (incoming) => admitTimestamps(crdt, incoming, this.#clock),
      ...(log === undefined
        ? {}
        : {
            persist: (delta: S) =>
              (this.#lastAppend = log.append(delta).catch((error: unknown) => {
                options.onPersistError(error);
                throw error;
              })),
          }),
    });
    log?.follow(() => this.node.state);
  }

  /** Adds a subscriber: it gets the current presence, and the node meets it by digest exchange. */
  attach(sub: Subscriber): void {
    this.subscribers.set(sub.conn.id, sub);
    for (const e of this.presence.entries()) {
      sub.conn.send({ type: 'presence', channel: sub.channel, ...e });
    }
    for (const handler of this.#peerHandlers) handler({ type: 'join', peer: sub.conn.id });
  }

  /** Sets whether subscriber `peer` may change the document; nothing if it is not subscribed. */
  allowWrites(peer: PeerId, writable: boolean): void {
    const sub = this.subscribers.get(peer);
    if (sub !== undefined) this.subscribers.set(peer, { ...sub, writable });
  }

  /** Removes a subscriber and its presence (the others hear the entries go). */
  detach(peer: PeerId): void {
    if (!this.subscribers.delete(peer)) return;
    this.#shipped.delete(peer);
    for (const handler of this.#peerHandlers) handler({ type: 'leave', peer });
    for (const key of this.presence.removePeer(peer)) this.#relayPresence(peer, key, null, 0);
  }

  /**
   * Handles the bytes of a `sync` frame from subscriber `peer`. Undecodable (or compressed)
   * bytes are a `malformed` {@link Refusal}; a change from a read-only subscriber is `forbidden`
   * and dropped; a message the type refuses is `refused`. Nothing changes in any of these cases.
   */
  receive(peer: PeerId, bytes: Uint8Array): void {
    const sub = this.subscribers.get(peer);
    if (sub === undefined) return;
    let message: ReturnType<SyncCodec<S>['decode']>;
    try {
      // Compression could make a small frame inflate to the codec's 64 MiB default: refused.
      if (inspect(bytes).compressed) throw new DecodeError('compressed sync messages are refused', 'header');
      message = this.#codec.decode(bytes);
    } catch (error) {
      if (error instanceof NlbdError) throw new Refusal('malformed', error.message);
      throw error;
    }
    if (!sub.writable && message.kind !== 'ack' && message.kind !== 'digest') {
      const carried = message.kind === 'state' ? message.state : message.delta;
      if (!this.crdt.leq(carried, this.node.state)) {
        throw new Refusal('forbidden', `no write access to '${this.name}': the change was dropped`);
      }
    }
    try {
      this.node.receiveMessage(peer, message);
    } catch (error) {
      if (error instanceof NlbdError) throw new Refusal('refused', error.message);
      throw error;
    }
    // An ack frees the subscriber for the next interval, if changes came meanwhile.
    if (message.kind === 'ack' && this.node.acknowledged(peer) < this.node.sequence) this.scheduleShip();
  }

  /**
   * A change made by the server itself: `fn` gets the state and the server's replica id and
   * clock, and returns a delta made by the type's mutators. Joined and shipped to the subscribers
   * like a client's change; resolves with the delta once it is durable in the log (at once
   * without one), rejects if its append failed.
   */
  async change(fn: (state: S, context: { replica: string; clock: HybridLogicalClock }) => S): Promise<S> {
    if (this.retired) throw new NlbdError('unavailable', `'${this.name}' is being dropped`, 'update');
    const before = this.#lastAppend;
    const delta = this.node.update((state) => fn(state, { replica: SERVER_REPLICA, clock: this.#clock }));
    const append = this.#lastAppend;
    if (append !== before && append !== undefined) await append;
    return delta;
  }

  /** Sets (or, with `value` null, deletes) `peer`'s presence entry and relays it to the others. */
  setPresence(peer: PeerId, key: string, value: string | null, ttlMs: number): void {
    if (value === null) {
      if (this.presence.delete(peer, key)) this.#relayPresence(peer, key, null, 0);
      return;
    }
    this.presence.set(peer, key, value, ttlMs);
    this.#relayPresence(peer, key, value, ttlMs);
  }

  /** Ships buffered deltas to subscribers within `flushMs`, once however many changes come. */
  scheduleShip(): void {
    if (this.#shipTimer !== undefined || this.retired) return;
    this.#shipTimer = setTimeout(() => {
      this.#shipTimer = undefined;
      if (!this.retired) this.#ship();
    }, this.#flushMs);
  }

  /**
   * Ships to the subscribers that have acknowledged their last interval. One interval in flight
   * per subscriber: what changes meanwhile goes in the next one, sent when the ack comes, so a
   * slow subscriber is sent each delta about once instead of once per flush.
   */
  #ship(): void {
    const ready = [...this.subscribers.keys()].filter(
      (peer) => (this.#shipped.get(peer) ?? 0) <= this.node.acknowledged(peer),
    );
    if (ready.length === 0) return;
    this.node.shipDeltas(ready);
    for (const peer of ready) this.#shipped.set(peer, this.node.sequence);
  }

  /** A round of the node: every unacknowledged interval again, and levelling digests. */
  tick(): void {
    if (this.retired) return;
    this.node.tick();
    for (const peer of this.subscribers.keys()) this.#shipped.set(peer, this.node.sequence);
  }

  /** Resolves once every append started so far has settled. */
  settled(): Promise<void> {
    return this.#log?.settled() ?? Promise.resolve();
  }

  /** Stops the node and the timers; the document takes no more input. */
  retire(): void {
    this.retired = true;
    if (this.#shipTimer !== undefined) clearTimeout(this.#shipTimer);
    this.presence.clear();
    this.node.close();
  }

  #relayPresence(peer: PeerId, key: string, value: string | null, ttlMs: number): void {
    for (const sub of this.subscribers.values()) {
      if (sub.conn.id === peer) continue;
      sub.conn.send({ type: 'presence', channel: sub.channel, peer, key, value, ttlMs });
    }
  }

  /** The node's transport: every subscriber is a peer; input arrives by {@link receive}. */
  #transport(): Transport {
    return {
      self: 'server',
      peers: () => [...this.subscribers.keys()],
      send: (peer, bytes) => {
        const sub = this.subscribers.get(peer);
        sub?.conn.send({ type: 'sync', channel: sub.channel, bytes });
      },
      onMessage: () => () => {},
      onPeer: (handler) => {
        this.#peerHandlers.add(handler);
        return () => this.#peerHandlers.delete(handler);
      },
    };
  }
}
