import { assertReplicaId, randomReplicaId } from '@nlbd/core';
import type { PeerEvent, PeerId, Transport } from '@nlbd/sync';
import { Listeners } from './listeners.js';

/** The part of the `BroadcastChannel` API the transport uses (browsers, workers, Node ≥ 18). */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  // biome-ignore lint/suspicious/noExplicitAny: each runtime types its events its own way
  onmessage: ((event: any) => void) | null;
  close(): void;
}

/** Options of a {@link BroadcastChannelTransport}. */
export interface BroadcastChannelTransportOptions {
  /** This end's peer id; random by default. Every end on a channel needs its own. */
  readonly self?: PeerId;
  /** The `BroadcastChannel` class; the global one by default. */
  readonly BroadcastChannel?: new (
    name: string,
  ) => BroadcastChannelLike;
  /**
   * How often this end says it is still there (default 2,000 ms); a peer not heard from for
   * three periods has left (a tab that crashed never says bye).
   */
  readonly heartbeatMs?: number;
}

/**
 * What goes over the channel: `hello` (an end arrived: the others answer `here`), `here` (I am
 * here; also the heartbeat), `bye`, and `data` (bytes for `to` only).
 */
type Envelope =
  | { readonly nlbd: 'hello' | 'here' | 'bye'; readonly from: PeerId }
  | { readonly nlbd: 'data'; readonly from: PeerId; readonly to: PeerId; readonly bytes: Uint8Array };

/** Whether `x` is an envelope of this transport; anything else on the channel is ignored. */
function isEnvelope(x: unknown): x is Envelope {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  if (typeof e.from !== 'string' || e.from.length === 0) return false;
  switch (e.nlbd) {
    case 'hello':
    case 'here':
    case 'bye':
      return true;
    case 'data':
      return typeof e.to === 'string' && e.bytes instanceof Uint8Array;
    default:
      return false;
  }
}

/**
 * A {@link Transport} between tabs, windows and workers of one origin over a `BroadcastChannel`:
 * ends discover each other (a `hello` answered by `here`, a `bye` on {@link close}, heartbeats
 * to notice ends that vanished), and each message is addressed to one peer (the others drop it).
 * Delivery is what the channel gives: in order while both ends live.
 * @example
 * const transport = new BroadcastChannelTransport('nlbd:todo');
 * const node = new SyncNode({ crdt: ORSet, transport, codec: syncCodec(ORSet) });
 * setInterval(() => node.tick(), 100);
 */
export class BroadcastChannelTransport implements Transport {
  readonly self: PeerId;
  readonly #channel: BroadcastChannelLike;
  /** Each peer and when it was last heard from. */
  readonly #peers = new Map<PeerId, number>();
  readonly #messages = new Listeners<[PeerId, Uint8Array]>();
  readonly #peerEvents = new Listeners<[PeerEvent]>();
  readonly #heartbeatMs: number;
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #closed = false;

  constructor(name: string, options: BroadcastChannelTransportOptions = {}) {
    this.self = options.self ?? randomReplicaId();
    assertReplicaId(this.self, 'options.self');
    const Channel =
      options.BroadcastChannel ??
      (globalThis as { BroadcastChannel?: new (name: string) => BroadcastChannelLike }).BroadcastChannel;
    if (Channel === undefined) throw new TypeError('no BroadcastChannel in this runtime');
    this.#heartbeatMs = options.heartbeatMs ?? 2000;
    this.#channel = new Channel(name);
    this.#channel.onmessage = (event: { data: unknown }) => this.#receive(event.data);
    this.#post({ nlbd: 'hello', from: this.self });
    this.#heartbeat = setInterval(() => this.#beat(), this.#heartbeatMs);
    (this.#heartbeat as { unref?: () => void }).unref?.();
  }

  peers(): PeerId[] {
    return [...this.#peers.keys()];
  }

  send(peer: PeerId, bytes: Uint8Array): void {
    if (this.#closed || !this.#peers.has(peer)) return;
    this.#post({ nlbd: 'data', from: this.self, to: peer, bytes });
  }

  onMessage(handler: (from: PeerId, bytes: Uint8Array) => void): () => void {
    return this.#messages.add(handler);
  }

  onPeer(handler: (event: PeerEvent) => void): () => void {
    return this.#peerEvents.add(handler);
  }

  /** Says bye and closes the channel; the transport sends and receives nothing after. */
  close(): void {
    if (this.#closed) return;
    this.#post({ nlbd: 'bye', from: this.self });
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#channel.onmessage = null;
    this.#channel.close();
    for (const peer of [...this.#peers.keys()]) this.#leave(peer);
  }

  #post(envelope: Envelope): void {
    if (!this.#closed) this.#channel.postMessage(envelope);
  }

  #beat(): void {
    const deadline = Date.now() - 3 * this.#heartbeatMs;
    for (const [peer, heard] of this.#peers) if (heard < deadline) this.#leave(peer);
    this.#post({ nlbd: 'here', from: this.self });
  }

  #receive(data: unknown): void {
    if (this.#closed || !isEnvelope(data) || data.from === this.self) return;
    if (data.nlbd === 'bye') {
      this.#leave(data.from);
      return;
    }
    this.#heard(data.from);
    if (data.nlbd === 'hello') this.#post({ nlbd: 'here', from: this.self });
    else if (data.nlbd === 'data' && data.to === this.self) this.#messages.emit(data.from, data.bytes);
  }

  #heard(peer: PeerId): void {
    const known = this.#peers.has(peer);
    this.#peers.set(peer, Date.now());
    if (!known) this.#peerEvents.emit({ type: 'join', peer });
  }

  #leave(peer: PeerId): void {
    if (this.#peers.delete(peer)) this.#peerEvents.emit({ type: 'leave', peer });
  }
}
