import type { Crdt } from '@nlbd/core';
import { NlbdError, ValidationError } from '@nlbd/core';
import { crdtOf } from '@nlbd/crdts';
import type { PeerId } from '@nlbd/sync';
import type { RawData, WebSocket } from 'ws';
import { TypeMismatch } from './document-log.js';
import { type FrameSink, type HostedDocument, Refusal } from './hosted-document.js';
import {
  assertName,
  CloseCode,
  decodeFrame,
  type ErrorCode,
  encodeFrame,
  type Frame,
  MAX_DOCUMENT_NAME,
  MAX_PRESENCE_KEY,
} from './protocol.js';

/**
 * The limits a server applies: to its connections in all and by remote address, then to each
 * connection (see `docs/sync-server.md`).
 */
export interface ServerLimits {
  /**
   * The most connections at once, those still authenticating included; past it a new one is
   * answered HTTP 503 before any WebSocket handshake. Default 10,000.
   */
  readonly maxConnections: number;
  /**
   * The most connections at once from one remote address, as the socket sees it (behind a
   * proxy, every client has the proxy's: keep it at `maxConnections` there). Past it, HTTP 503.
   * Default 10,000.
   */
  readonly maxConnectionsPerAddress: number;
  /** The largest frame accepted, in bytes (`ws`'s `maxPayload`; larger closes with 1009). Default 1 MiB. */
  readonly maxMessageBytes: number;
  /** The most documents one connection may have open (or opening) at once. Default 100. */
  readonly maxDocumentsPerConnection: number;
  /** Frames per second a connection may send on average (token bucket refill). Default 1,000. */
  readonly messagesPerSecond: number;
  /** Frames a connection may send in a burst (token bucket size). Default 2,000. */
  readonly burst: number;
  /** Bytes waiting to be sent to a connection past which it is a slow consumer. Default 16 MiB. */
  readonly maxBufferedBytes: number;
  /** Presence entries one connection may hold per document. Default 32. */
  readonly maxPresenceEntries: number;
  /** The largest presence value, in bytes of JSON text. Default 4,096. */
  readonly maxPresenceBytes: number;
  /** The longest presence time-to-live, in ms. Default 5 minutes. */
  readonly maxPresenceTtlMs: number;
  /** A connection that sends no frame (not even a ping) for this long is closed. Default 45 s. */
  readonly idleTimeoutMs: number;
}

/**
 * What a server checks a connection's access with: `'read'` to subscribe, `'write'` to change,
 * `'delete'` to delete the document (a `delete` frame).
 */
export type Access = 'read' | 'write' | 'delete';

/** What a connection needs of its server. */
export interface ConnectionContext<P> {
  readonly limits: ServerLimits;
  /** `authorize`, with a failure counted as a refusal. */
  authorize(principal: P, doc: string, access: Access): Promise<boolean>;
  /** How many times `reauthorize` has begun: a subscription asked before the last one asks again. */
  authorizations(): number;
  /** The hosted document `name` of type `crdt`, loaded if needed; each call takes one lease. */
  acquire(name: string, crdt: Crdt<unknown, unknown>): Promise<HostedDocument<unknown>>;
  /** Gives back a lease taken by {@link acquire}. */
  release(doc: HostedDocument<unknown>): void;
  /** `SyncServer.deleteDocument`. */
  deleteDocument(name: string): Promise<boolean>;
  onError(error: unknown, context: string): void;
  /** Counts a frame in or out. */
  count(direction: 'in' | 'out', bytes: number): void;
  /** Called once when the connection is closed, by either side. */
  closed(conn: ServerConnection<P>, code: number | undefined): void;
}

/** One subscription of this connection: `doc` is set once it is open. */
interface Channel {
  readonly name: string;
  doc: HostedDocument<unknown> | undefined;
  /** Whether the connection may change the document (as `authorize` last said). */
  writable: boolean;
}

/** What `SyncServer.reauthorize` found: counts over the subscriptions it asked about. */
export interface Reauthorization {
  /** Open subscriptions whose access was asked again. */
  readonly checked: number;
  /** Those whose access changed: write access granted or withdrawn, or read access gone. */
  readonly changed: number;
  /** Connections closed because read access to one of their documents was gone (0 or 1 here). */
  readonly closed: number;
}

/** Close reasons are at most 123 bytes of UTF-8. */
function clipReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  return bytes.length <= 123
    ? reason
    : new TextDecoder().decode(bytes.subarray(0, 118)).replace(/\uFFFD$/, '');
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * The server's end of one WebSocket: rate-limits and decodes frames, keeps the channels the
 * client subscribed, and hands sync and presence frames to the hosted documents. Any decode
 * failure or protocol violation closes this connection only, with a {@link CloseCode}.
 */
export class ServerConnection<P> implements FrameSink {
  readonly id: PeerId;
  readonly principal: P;
  /** When the last frame arrived (ms since the epoch). */
  lastSeen = Date.now();
  readonly #ws: WebSocket;
  readonly #ctx: ConnectionContext<P>;
  readonly #channels = new Map<number, Channel>();
  /**
   * Channels whose document the server deleted, until the client unsubscribes them: frames the
   * client sent on them before it heard are ignored, not a protocol error.
   */
  readonly #deleted = new Set<number>();
  #tokens: number;
  #refilledAt = Date.now();
  #closed = false;

  constructor(id: PeerId, principal: P, ws: WebSocket, ctx: ConnectionContext<P>) {
    this.id = id;
    this.principal = principal;
    this.#ws = ws;
    this.#ctx = ctx;
    this.#tokens = ctx.limits.burst;
    ws.on('message', (data, isBinary) => this.#guard(() => this.#onMessage(data, isBinary)));
    // `ws` reports a bad frame (too big, bad UTF-8, ...) here and closes the socket itself.
    ws.on('error', () => {});
    ws.on('close', (code) => this.#teardown(code));
    this.send({ type: 'welcome', peer: id, idleTimeoutMs: ctx.limits.idleTimeoutMs });
  }

  /** Whether the connection is closed (or closing). */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** Encodes and sends a frame; a client that lets too much pile up is closed as a slow consumer. */
  send(frame: Frame): void {
    if (this.#closed) return;
    const bytes = encodeFrame(frame);
    this.#ctx.count('out', bytes.length);
    this.#ws.send(bytes);
    if (this.#ws.bufferedAmount > this.#ctx.limits.maxBufferedBytes) {
      // Not now: send is called from inside documents' loops over their subscribers.
      queueMicrotask(() => this.close(CloseCode.slowConsumer, 'too much data waiting to be read'));
    }
  }

  /** Closes with `code`, detaching from every document at once. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#teardown(code);
    this.#ws.close(code, clipReason(reason));
  }

  /** Drops the socket without a closing handshake (the peer is gone, or the server is). */
  terminate(): void {
    this.#teardown(undefined);
    this.#ws.terminate();
  }

  #teardown(code: number | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const channel of this.#channels.values()) this.#drop(channel);
    this.#channels.clear();
    this.#ctx.closed(this, code);
  }

  #drop(channel: Channel): void {
    if (channel.doc === undefined) return;
    channel.doc.detach(this.id);
    this.#ctx.release(channel.doc);
  }

  /** Runs a handler; an unexpected failure closes this connection, never the server. */
  #guard(handler: () => unknown): void {
    const fail = (error: unknown) => {
      this.#ctx.onError(error, `connection ${this.id}`);
      this.close(CloseCode.internal, 'internal error');
    };
    try {
      const result = handler();
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  #take(): boolean {
    const now = Date.now();
    const { messagesPerSecond, burst } = this.#ctx.limits;
    this.#tokens = Math.min(burst, this.#tokens + ((now - this.#refilledAt) * messagesPerSecond) / 1000);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  #onMessage(data: RawData, isBinary: boolean): unknown {
    if (this.#closed) return;
    this.lastSeen = Date.now();
    const bytes = toBytes(data);
    this.#ctx.count('in', bytes.length);
    if (!this.#take()) {
      return this.close(
        CloseCode.rateLimited,
        `over ${this.#ctx.limits.messagesPerSecond} frames per second`,
      );
    }
    if (!isBinary) return this.close(CloseCode.malformed, 'text frames are not part of the protocol');
    let frame: Frame;
    try {
      frame = decodeFrame(bytes, { maxBytes: this.#ctx.limits.maxMessageBytes });
    } catch (error) {
      if (error instanceof NlbdError) return this.close(CloseCode.malformed, error.message);
      throw error;
    }
    switch (frame.type) {
      case 'subscribe':
        return this.#subscribe(frame.channel, frame.doc, frame.crdt);
      case 'unsubscribe':
        return this.#unsubscribe(frame.channel);
      case 'sync':
        return this.#sync(frame.channel, frame.bytes);
      case 'set-presence':
        return this.#setPresence(frame);
      case 'delete':
        return this.#delete(frame.channel);
      case 'ping':
        return this.send({ type: 'pong', nonce: frame.nonce });
      case 'pong':
        return;
      default:
        return this.close(CloseCode.protocol, `a client may not send '${frame.type}' frames`);
    }
  }

  #refuse(channel: number | null, code: ErrorCode, message: string): void {
    this.send({ type: 'error', channel, code, message });
  }

  async #subscribe(channel: number, name: string, tag: string): Promise<void> {
    if (this.#channels.has(channel)) return this.close(CloseCode.protocol, `channel ${channel} is in use`);
    this.#deleted.delete(channel);
    let crdt: Crdt<unknown, unknown>;
    try {
      assertName(name, MAX_DOCUMENT_NAME, 'subscribe.doc');
      crdt = crdtOf(tag);
    } catch (error) {
      if (error instanceof ValidationError) return this.#refuse(channel, 'invalid', error.message);
      throw error;
    }
    if (this.#channels.size >= this.#ctx.limits.maxDocumentsPerConnection) {
      const max = this.#ctx.limits.maxDocumentsPerConnection;
      return this.#refuse(channel, 'too-many-documents', `at most ${max} documents per connection`);
    }
    for (const other of this.#channels.values()) {
      if (other.name === name)
        return this.#refuse(channel, 'already-subscribed', `'${name}' is already open`);
    }
    const pending: Channel = { name, doc: undefined, writable: false };
    this.#channels.set(channel, pending);
    const stillPending = () => this.#channels.get(channel) === pending;
    let asked = this.#ctx.authorizations();
    let access = await this.#access(name);
    if (!stillPending()) return;
    if (!access.read) {
      this.#channels.delete(channel);
      return this.#refuse(channel, 'forbidden', `no read access to '${name}'`);
    }
    let doc: HostedDocument<unknown> | undefined;
    // A document dropped meanwhile (deleted, or its storage failed) is not subscribed to: the
    // subscription waits for the document that replaces it.
    while (doc === undefined || doc.retired) {
      try {
        doc = await this.#ctx.acquire(name, crdt);
      } catch (error) {
        if (!stillPending()) return;
        this.#channels.delete(channel);
        if (error instanceof TypeMismatch) return this.#refuse(channel, 'type-mismatch', error.message);
        this.#ctx.onError(error, `loading '${name}'`);
        return this.#refuse(channel, 'unavailable', `'${name}' could not be loaded`);
      }
      // A `reauthorize` that began meanwhile skipped this subscription, not yet open: ask again.
      while (stillPending() && asked !== this.#ctx.authorizations()) {
        asked = this.#ctx.authorizations();
        access = await this.#access(name);
      }
      if (!stillPending()) return this.#ctx.release(doc);
    }
    if (!access.read) {
      this.#channels.delete(channel);
      this.#ctx.release(doc);
      return this.#refuse(channel, 'forbidden', `no read access to '${name}'`);
    }
    pending.doc = doc;
    pending.writable = access.writable;
    this.send({ type: 'subscribed', channel, writable: access.writable });
    doc.attach({ conn: this, channel, writable: access.writable });
  }

  /** What `authorize` says of `name` for this connection: read, then (if read) write. */
  async #access(name: string): Promise<{ read: boolean; writable: boolean }> {
    const read = await this.#ctx.authorize(this.principal, name, 'read');
    return { read, writable: read && (await this.#ctx.authorize(this.principal, name, 'write')) };
  }

  /**
   * Asks `authorize` again for each open subscription (only those of document `doc`, if given).
   * Read access gone closes the connection ({@link CloseCode.accessRevoked}): its client
   * reconnects, and subscribing again is refused. Write access granted or withdrawn applies at
   * once, and the client hears it in a `subscribed` frame. A subscription still opening asks
   * again by itself before it opens.
   */
  async reauthorize(doc?: string): Promise<Reauthorization> {
    let checked = 0;
    let changed = 0;
    for (const [id, channel] of [...this.#channels]) {
      if (this.#closed) break;
      if (channel.doc === undefined || (doc !== undefined && channel.name !== doc)) continue;
      const access = await this.#access(channel.name);
      // Unsubscribed or closed meanwhile: nothing left to change.
      if (this.#closed || this.#channels.get(id) !== channel) continue;
      checked++;
      if (!access.read) {
        this.close(CloseCode.accessRevoked, `no read access to '${channel.name}' any more`);
        return { checked, changed: changed + 1, closed: 1 };
      }
      if (access.writable === channel.writable) continue;
      changed++;
      channel.writable = access.writable;
      channel.doc.allowWrites(this.id, access.writable);
      this.send({ type: 'subscribed', channel: id, writable: access.writable });
    }
    return { checked, changed, closed: 0 };
  }

  /**
   * The server deleted `doc`: the subscription to it (if open) is closed, and the client told
   * with a `deleted` error on its channel. Returns whether this connection had it open.
   */
  documentDeleted(doc: HostedDocument<unknown>): boolean {
    for (const [id, channel] of this.#channels) {
      if (channel.doc !== doc) continue;
      this.#channels.delete(id);
      this.#drop(channel);
      // Bounded: a client that never unsubscribes them has its oldest forgotten.
      if (this.#deleted.size >= this.#ctx.limits.maxDocumentsPerConnection) {
        this.#deleted.delete(this.#deleted.values().next().value as number);
      }
      this.#deleted.add(id);
      this.#refuse(id, 'deleted', `'${doc.name}' was deleted`);
      return true;
    }
    return false;
  }

  /** Unknown channels are ignored: the server may have refused the subscription meanwhile. */
  #unsubscribe(channel: number): void {
    this.#deleted.delete(channel);
    const open = this.#channels.get(channel);
    if (open === undefined) return;
    this.#channels.delete(channel);
    this.#drop(open);
  }

  /** The document open on `channel`; a frame on a channel that is not open closes the connection. */
  #open(channel: number, frame: string): HostedDocument<unknown> | undefined {
    const doc = this.#channels.get(channel)?.doc;
    if (doc === undefined && !this.#deleted.has(channel))
      this.close(CloseCode.protocol, `'${frame}' on channel ${channel}, which is not open`);
    return doc;
  }

  #sync(channel: number, bytes: Uint8Array): void {
    const doc = this.#open(channel, 'sync');
    if (doc === undefined) return;
    try {
      doc.receive(this.id, bytes);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      if (error.code === 'malformed') this.close(CloseCode.malformed, error.message);
      else this.#refuse(channel, error.code, error.message);
    }
  }

  /**
   * A client asks to delete the document open on `channel`: the subscription must be writable
   * and `authorize` must allow `'delete'` (else `forbidden`), so that a hook written before
   * `'delete'` existed, allowing what it does not know, lets no reader delete. The deletion then
   * closes every subscription to the document, this one included.
   */
  async #delete(channel: number): Promise<void> {
    const open = this.#channels.get(channel);
    if (this.#open(channel, 'delete') === undefined || open === undefined) return;
    const name = open.name;
    if (!open.writable || !(await this.#ctx.authorize(this.principal, name, 'delete')))
      return this.#refuse(channel, 'forbidden', `no delete access to '${name}'`);
    try {
      await this.#ctx.deleteDocument(name);
    } catch (error) {
      this.#ctx.onError(error, `deleting '${name}'`);
      if (this.#channels.has(channel)) this.#refuse(channel, 'unavailable', `'${name}' could not be deleted`);
    }
  }

  #setPresence(frame: Extract<Frame, { type: 'set-presence' }>): void {
    const doc = this.#open(frame.channel, 'set-presence');
    if (doc === undefined) return;
    const { channel, key, value, ttlMs } = frame;
    const limits = this.#ctx.limits;
    try {
      assertName(key, MAX_PRESENCE_KEY, 'presence.key');
      if (value !== null) assertPresenceValue(value, ttlMs, limits);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      this.#refuse(channel, 'invalid', error.message);
      return;
    }
    const full = !doc.presence.has(this.id, key) && doc.presence.count(this.id) >= limits.maxPresenceEntries;
    if (value !== null && full) {
      this.#refuse(channel, 'presence-limit', `at most ${limits.maxPresenceEntries} presence entries`);
    } else {
      doc.setPresence(this.id, key, value, ttlMs);
    }
  }
}

/** A presence value must be JSON text within the size limit, with a time-to-live within bounds. */
function assertPresenceValue(value: string, ttlMs: number, limits: ServerLimits): void {
  if (ttlMs < 1 || ttlMs > limits.maxPresenceTtlMs)
    throw new ValidationError(`must be 1 to ${limits.maxPresenceTtlMs} ms, got ${ttlMs}`, 'presence.ttlMs');
  const size = Buffer.byteLength(value);
  if (size > limits.maxPresenceBytes)
    throw new ValidationError(`${size} bytes is over ${limits.maxPresenceBytes}`, 'presence.value');
  try {
    JSON.parse(value);
  } catch {
    throw new ValidationError('must be JSON text', 'presence.value');
  }
}
