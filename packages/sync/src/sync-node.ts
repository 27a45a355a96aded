import { type Crdt, type Digest, DotContext, NlbdError, ValidationError } from '@nlbd/core';
import type { EncodedMessage, MessageCodec, SyncMessage, SyncMessageKind } from './messages.js';
import { Random } from './random.js';
import type { PeerId, Transport } from './transport.js';

/** Which protocols a {@link SyncNode} runs; any combination works. */
export interface Protocols {
  /** Delta anti-entropy: buffered delta intervals to every neighbour, with acks. */
  readonly delta: boolean;
  /** Digest gossip: each round, a digest to `fanout` random peers, answered with what they lack. */
  readonly digest: boolean;
  /** The baseline: each round, the full state to `fanout` random peers. */
  readonly fullState: boolean;
}

/** Options of a {@link SyncNode}. */
export interface SyncNodeOptions<S, V> {
  readonly crdt: Crdt<S, V>;
  readonly transport: Transport;
  readonly codec: MessageCodec<S>;
  /** The state to start from (cloned); bottom by default. */
  readonly state?: S;
  /** Default: delta anti-entropy and digest gossip together. */
  readonly protocols?: Partial<Protocols>;
  /** Peers picked per gossip round (default 3). */
  readonly fanout?: number;
  /** Seed of the node's random choices (default 1): the same seed gives the same schedule. */
  readonly seed?: number;
  /**
   * The peers delta intervals go to (default: every peer of the transport). Digest and
   * full-state gossip pick among them too.
   */
  readonly neighbours?: () => readonly PeerId[];
  /** Before buffering a received delta, strip what this node already had (default true). */
  readonly removeRedundant?: boolean;
  /**
   * The most deltas kept for neighbours that have not acked (default 4,096). Past it the oldest
   * are dropped and the neighbours that lacked them are brought up to date by levelling instead.
   */
  readonly maxBufferedDeltas?: number;
  /** Called after every change of the state, local or remote. */
  readonly onChange?: (origin: 'local' | PeerId) => void;
  /**
   * Vets every remote state or delta before it is joined: throwing an `NlbdError` refuses it
   * (counted as malformed; the state is untouched). E.g. `admitTimestamps` of `@nlbd/crdts`,
   * which refuses far-future LWW timestamps and moves the writer's clock past the rest.
   */
  readonly admit?: (incoming: S, from: PeerId) => void;
  /**
   * Makes changes durable before they are acknowledged (e.g. appends to a store). Called with
   * every delta that changed the state, local or remote, in order; an `ack` is sent only once
   * every `persist` started before it has resolved, so an acknowledged delta is durable. If one
   * rejects, the node sends no ack again (a replica reloaded from storage must take over).
   * Without it, acks go out at once.
   */
  readonly persist?: (delta: S, origin: 'local' | PeerId) => Promise<unknown>;
}

/** Counters a {@link SyncNode} keeps about its traffic. */
export interface SyncStats {
  messagesSent: number;
  bytesSent: number;
  /** Of `bytesSent`, the bytes of CRDT states and deltas (the rest is metadata). */
  payloadBytesSent: number;
  messagesReceived: number;
  /** Messages dropped because they could not be decoded or were refused. */
  malformed: number;
  /** Messages sent, by kind. */
  sentByKind: Record<SyncMessageKind, number>;
}

interface Buffered<S> {
  readonly seq: number;
  readonly delta: S;
  /** The peer it came from, so it is never sent back there; `undefined` for local updates. */
  readonly origin: PeerId | undefined;
}

const DEFAULT_PROTOCOLS: Protocols = { delta: true, digest: true, fullState: false };

/**
 * One replica of one object, kept converged with its peers without a leader by delta
 * anti-entropy (Almeida et al. 2018, Algorithm 2, with the back-propagation and redundancy
 * avoidance of Enes et al. 2019) and digest gossip, over any {@link Transport}.
 *
 * Guarantee: if the network eventually delivers some messages between every pair of connected
 * peers, all nodes reach equal states once updates stop; lost, duplicated, reordered and
 * malformed messages never corrupt a state (malformed ones are counted and dropped).
 * Drive it by calling {@link tick} once per round.
 * @example
 * const node = new SyncNode({ crdt: LWWMap, transport, codec: syncCodec(LWWMap) });
 * node.update((s) => LWWMap.set(s, 'alice', 'k', 1, clock));
 * setInterval(() => node.tick(), 100);
 */
export class SyncNode<S, V> {
  readonly crdt: Crdt<S, V>;
  readonly transport: Transport;
  readonly protocols: Protocols;
  readonly stats: SyncStats = {
    messagesSent: 0,
    bytesSent: 0,
    payloadBytesSent: 0,
    messagesReceived: 0,
    malformed: 0,
    sentByKind: { delta: 0, ack: 0, digest: 0, since: 0, state: 0 },
  };
  #state: S;
  readonly #codec: MessageCodec<S>;
  readonly #random: Random;
  readonly #fanout: number;
  readonly #neighbours: () => readonly PeerId[];
  readonly #removeRedundant: boolean;
  readonly #maxBuffered: number;
  readonly #onChange: ((origin: 'local' | PeerId) => void) | undefined;
  readonly #admit: ((incoming: S, from: PeerId) => void) | undefined;
  readonly #persist: ((delta: S, origin: 'local' | PeerId) => Promise<unknown>) | undefined;
  /** Settles once every `persist` started so far has resolved; rejected for good once one failed. */
  #durable: Promise<unknown> = Promise.resolve();
  #buffer: Buffered<S>[] = [];
  #seq = 0;
  /**
   * Peers this node is levelling with: `pull` until it has everything the peer had when it
   * answered, `push` (this node's digest when levelling began) until the peer has all of that;
   * `askedIn` is the round of the last confirm digest. Later changes travel as deltas, so the
   * targets are fixed and levelling ends even while both sides keep changing.
   */
  readonly #levelling = new Map<PeerId, { askedIn: number; pull: boolean; push: Digest | undefined }>();
  #round = 0;
  /** For each neighbour, the highest sequence number it has acknowledged. */
  readonly #acked = new Map<PeerId, number>();
  readonly #unsubscribe: (() => void)[];

  constructor(options: SyncNodeOptions<S, V>) {
    const fanout = options.fanout ?? 3;
    if (!Number.isSafeInteger(fanout) || fanout < 1)
      throw new ValidationError(`must be an integer ≥ 1, got ${fanout}`, 'fanout');
    const maxBuffered = options.maxBufferedDeltas ?? 4096;
    if (!Number.isSafeInteger(maxBuffered) || maxBuffered < 1) {
      throw new ValidationError(`must be an integer ≥ 1, got ${maxBuffered}`, 'maxBufferedDeltas');
    }
    this.crdt = options.crdt;
    this.transport = options.transport;
    this.protocols = { ...DEFAULT_PROTOCOLS, ...options.protocols };
    this.#codec = options.codec;
    this.#state = options.state === undefined ? options.crdt.empty() : options.crdt.clone(options.state);
    this.#random = new Random(options.seed ?? 1);
    this.#fanout = fanout;
    this.#neighbours = options.neighbours ?? (() => this.transport.peers());
    this.#removeRedundant = options.removeRedundant ?? true;
    this.#maxBuffered = maxBuffered;
    this.#onChange = options.onChange;
    this.#admit = options.admit;
    this.#persist = options.persist;
    this.#unsubscribe = [
      this.transport.onMessage((from, bytes) => this.receive(from, bytes)),
      this.transport.onPeer((event) => {
        if (event.type === 'leave') {
          this.#acked.delete(event.peer);
          this.#levelling.delete(event.peer);
        } else this.#meet(event.peer);
      }),
    ];
  }

  /** The current state; never mutate it. */
  get state(): S {
    return this.#state;
  }

  /** What the user sees now. */
  get value(): V {
    return this.crdt.value(this.#state);
  }

  /** The sequence number of the latest buffered delta (0 before any): what a neighbour acks. */
  get sequence(): number {
    return this.#seq;
  }

  /**
   * The highest sequence number `peer` has, as far as this node knows: acked by it, or skipped
   * because it was caught up otherwise (a digest exchange when it was met, buffer overflow, or
   * only its own deltas being newer). 0 for an unknown peer.
   */
  acknowledged(peer: PeerId): number {
    return this.#acked.get(peer) ?? 0;
  }

  /** How many deltas are buffered for neighbours that have not acked them. */
  get bufferedDeltas(): number {
    return this.#buffer.length;
  }

  /**
   * Applies a local update: `fn` gets the state and returns a delta made by the type's mutators.
   * The delta is joined in and buffered for the neighbours; it is returned.
   */
  update(fn: (state: S) => S): S {
    const delta = fn(this.#state);
    if (this.crdt.joinInto(this.#state, delta)) {
      this.#bufferDelta(delta, undefined);
      this.#persistDelta(delta, 'local');
      this.#onChange?.('local');
    }
    return delta;
  }

  /**
   * Joins a state this replica had already, read back from its own storage after a restart: not
   * a change of its own, so nothing is buffered, persisted or acknowledged. Each neighbour is
   * levelled by digest instead (now, and every round until its answer shows it has the state),
   * and so receives only what it lacks, not the whole state. Returns whether the state changed.
   */
  restore(state: S): boolean {
    if (!this.crdt.joinInto(this.#state, state)) return false;
    this.#onChange?.('local');
    for (const peer of this.#neighbours()) this.#level(peer, this.#levelling.get(peer)?.pull ?? false, true);
    return true;
  }

  /**
   * One round: digests to the peers this node is catching up from, delta intervals to
   * neighbours, then digest and full-state gossip to random peers.
   */
  tick(): void {
    this.#round++;
    for (const [peer, level] of this.#levelling) {
      if (level.askedIn < this.#round) this.#askLevel(peer, level);
    }
    if (this.protocols.delta) this.shipDeltas();
    if (this.protocols.digest)
      for (const peer of this.#pick()) this.#send(peer, this.#digestMessage(true, false));
    if (this.protocols.fullState)
      for (const peer of this.#pick()) this.#send(peer, { kind: 'state', state: this.#state });
  }

  /**
   * Sends each neighbour in `to` (all of them by default) the join of the buffered deltas it has
   * not acked (none back to their origin). Passing fewer lets a caller pace slow peers, e.g. at
   * most one unacknowledged interval in flight each; buffered deltas are still kept until every
   * neighbour has acked them.
   */
  shipDeltas(to: readonly PeerId[] = this.#neighbours()): void {
    for (const peer of to) {
      if (!this.#acked.has(peer)) this.#meet(peer);
      const acked = this.#acked.get(peer) ?? 0;
      let interval: S | undefined;
      for (const entry of this.#buffer) {
        if (entry.seq <= acked || entry.origin === peer) continue;
        if (interval === undefined) interval = this.crdt.clone(entry.delta);
        else this.crdt.joinInto(interval, entry.delta);
      }
      if (interval !== undefined) this.#send(peer, { kind: 'delta', seq: this.#seq, delta: interval });
      else if (acked < this.#seq) this.#acked.set(peer, this.#seq);
    }
    this.#collect();
  }

  /** Handles bytes from a peer. Malformed or refused messages are counted and dropped. */
  receive(from: PeerId, bytes: Uint8Array): void {
    let message: SyncMessage<S>;
    try {
      message = this.#codec.decode(bytes);
    } catch (error) {
      if (!(error instanceof NlbdError)) throw error;
      this.stats.messagesReceived++;
      this.stats.malformed++;
      return;
    }
    try {
      this.receiveMessage(from, message);
    } catch (error) {
      if (!(error instanceof NlbdError)) throw error;
    }
  }

  /**
   * Handles a message already decoded (by a server that decodes once to validate or authorize
   * it). A message the node refuses is counted as malformed and rethrown as the `NlbdError` it
   * raised; the state is then untouched.
   */
  receiveMessage(from: PeerId, message: SyncMessage<S>): void {
    this.stats.messagesReceived++;
    try {
      this.#handle(from, message);
    } catch (error) {
      // A well-formed message may still be refused (e.g. a timestamp too far ahead): the join
      // below never runs, so the state is untouched.
      if (error instanceof NlbdError) this.stats.malformed++;
      throw error;
    }
  }

  /** Stops listening to the transport. */
  close(): void {
    for (const off of this.#unsubscribe) off();
  }

  #handle(from: PeerId, message: SyncMessage<S>): void {
    switch (message.kind) {
      case 'delta':
        this.#joinRemote(from, message.delta, true);
        this.#whenDurable(() => this.#send(from, { kind: 'ack', seq: message.seq }));
        return;
      case 'ack':
        this.#ack(from, message.seq);
        return;
      case 'digest': {
        const mine = this.crdt.digest(this.#state);
        const theyLack = lacks(message.digest, mine);
        const iLack = lacks(mine, message.digest);
        if (theyLack) {
          this.#send(from, { kind: 'since', delta: this.crdt.deltaSince(this.#state, message.digest) });
        }
        if ((message.reply && iLack) || message.confirm)
          this.#send(from, { kind: 'digest', digest: mine, reply: false, confirm: false });
        this.#settle(from, !iLack, message.digest);
        return;
      }
      case 'since':
        // Computed against a digest of this node: once joined, nothing of the sender's is missing.
        this.#settle(from, true, undefined);
        this.#joinRemote(from, message.delta, this.protocols.delta);
        return;
      case 'state':
        this.#joinRemote(from, message.state, this.protocols.delta);
        return;
    }
  }

  #joinRemote(from: PeerId, delta: S, forward: boolean): void {
    this.#admit?.(delta, from);
    const fresh =
      forward && this.#removeRedundant ? this.crdt.deltaSince(delta, this.crdt.digest(this.#state)) : delta;
    if (!this.crdt.joinInto(this.#state, delta)) return;
    if (forward) this.#bufferDelta(fresh, from);
    this.#persistDelta(fresh, from);
    this.#onChange?.(from);
  }

  #persistDelta(delta: S, origin: 'local' | PeerId): void {
    if (this.#persist === undefined) return;
    let done: Promise<unknown>;
    try {
      done = Promise.resolve(this.#persist(delta, origin));
    } catch (error) {
      done = Promise.reject(error);
    }
    // Reporting a failure is the persist function's job; here it only stops the acks, and an
    // unobserved rejection must not take the process down.
    done.catch(() => {});
    this.#durable = this.#durable.then(() => done);
    this.#durable.catch(() => {});
  }

  /** Runs `send` once every change so far is durable: at once without `persist`, never after a failure. */
  #whenDurable(send: () => void): void {
    if (this.#persist === undefined) send();
    else this.#durable.then(send, () => {});
  }

  #bufferDelta(delta: S, origin: PeerId | undefined): void {
    this.#buffer.push({ seq: ++this.#seq, delta, origin });
    if (this.#buffer.length > this.#maxBuffered) {
      const dropped = this.#buffer.shift() as Buffered<S>;
      // Neighbours that had not acked it can no longer get it by interval: catch them up by digest.
      for (const [peer, acked] of this.#acked) {
        if (acked < dropped.seq) {
          this.#acked.set(peer, dropped.seq);
          this.#level(peer, this.#levelling.get(peer)?.pull ?? false, true);
        }
      }
    }
  }

  #ack(peer: PeerId, seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > this.#seq) return;
    if (seq > (this.#acked.get(peer) ?? 0)) this.#acked.set(peer, seq);
    this.#collect();
  }

  /** Drops the buffered deltas every neighbour has acknowledged. */
  #collect(): void {
    let min = this.#seq;
    for (const peerId of this.#neighbours()) min = Math.min(min, this.#acked.get(peerId) ?? 0);
    if (this.#buffer.length > 0 && (this.#buffer[0] as Buffered<S>).seq <= min) {
      this.#buffer = this.#buffer.filter((entry) => entry.seq > min);
    }
  }

  /** A new neighbour gets future deltas by interval and the past by levelling. */
  #meet(peer: PeerId): void {
    if (this.#acked.has(peer)) return;
    this.#acked.set(peer, this.#seq);
    this.#level(peer, true, true);
  }

  /**
   * Sends `peer` a confirm digest, and again every round until its answers show the two level:
   * a lost digest (to a peer that restarted behind a partition, or one that missed dropped
   * buffer entries) must not leave them apart when only delta anti-entropy runs.
   */
  #level(peer: PeerId, pull: boolean, push: boolean): void {
    const level = { askedIn: this.#round, pull, push: push ? this.crdt.digest(this.#state) : undefined };
    this.#levelling.set(peer, level);
    this.#askLevel(peer, level);
  }

  #askLevel(peer: PeerId, level: { askedIn: number }): void {
    level.askedIn = this.#round;
    this.#send(peer, this.#digestMessage(true, true));
  }

  /**
   * Records what an answer from `peer` showed: whether this node now has all the peer had
   * (`pulled`), and the peer's digest, if the answer was one, to see whether it has the push target.
   */
  #settle(peer: PeerId, pulled: boolean, theirs: Digest | undefined): void {
    const level = this.#levelling.get(peer);
    if (level === undefined) return;
    if (pulled) level.pull = false;
    if (theirs !== undefined && level.push !== undefined && !lacks(theirs, level.push))
      level.push = undefined;
    if (!level.pull && level.push === undefined) this.#levelling.delete(peer);
  }

  #digestMessage(reply: boolean, confirm: boolean): SyncMessage<S> {
    return { kind: 'digest', digest: this.crdt.digest(this.#state), reply, confirm };
  }

  #pick(): PeerId[] {
    return this.#random.sample(this.#neighbours(), this.#fanout);
  }

  #send(peer: PeerId, message: SyncMessage<S>): void {
    const encoded: EncodedMessage = this.#codec.encode(message);
    this.stats.messagesSent++;
    this.stats.bytesSent += encoded.bytes.length;
    this.stats.payloadBytesSent += encoded.payloadBytes;
    this.stats.sentByKind[message.kind]++;
    this.transport.send(peer, encoded.bytes);
  }
}

/**
 * Whether the holder of digest `theirs` lacks something the holder of `mine` has: an event it
 * has not seen, or (for dot-store types) a removal of a dot it still holds.
 */
export function lacks(theirs: Digest, mine: Digest): boolean {
  if (!DotContext.leq(mine.seen, theirs.seen)) return true;
  if (theirs.live === undefined || mine.live === undefined) return false;
  for (const [replica, count] of theirs.live.vv) {
    // Bounded by what this side has seen, whatever the (remote) digest claims.
    const top = Math.min(count, DotContext.max(mine.seen, replica));
    for (let c = 1; c <= top; c++) {
      if (DotContext.hasEvent(mine.seen, replica, c) && !DotContext.hasEvent(mine.live, replica, c))
        return true;
    }
  }
  for (const [replica, dots] of theirs.live.cloud) {
    for (const c of dots) {
      if (DotContext.hasEvent(mine.seen, replica, c) && !DotContext.hasEvent(mine.live, replica, c))
        return true;
    }
  }
  return false;
}
