import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { type Crdt, ValidationError } from '@nlbd/core';
import type { StorageAdapter } from '@nlbd/store';
import type { PeerId } from '@nlbd/sync';
import { WebSocketServer } from 'ws';
import { Admission } from './admission.js';
import type { UpdateContext } from './client.js';
import {
  type Access,
  type ConnectionContext,
  type Reauthorization,
  ServerConnection,
  type ServerLimits,
} from './connection.js';
import { DocumentLog, TypeMismatch } from './document-log.js';
import { HostedDocument, SERVER_REPLICA } from './hosted-document.js';
import { assertName, CloseCode, MAX_DOCUMENT_NAME, type PresenceValue } from './protocol.js';

/** The limits a server applies when its options give none. */
export const DEFAULT_SERVER_LIMITS: ServerLimits = Object.freeze({
  maxConnections: 10_000,
  maxConnectionsPerAddress: 10_000,
  maxMessageBytes: 1024 * 1024,
  maxDocumentsPerConnection: 100,
  messagesPerSecond: 1000,
  burst: 2000,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxPresenceEntries: 32,
  maxPresenceBytes: 4096,
  maxPresenceTtlMs: 5 * 60_000,
  idleTimeoutMs: 45_000,
});

/** Options of {@link createSyncServer}; `P` is what `authenticate` says a connection is. */
export interface SyncServerOptions<P = string> {
  /** The TCP port; 0 (the default) lets the OS pick one, read it from {@link SyncServer.port}. */
  readonly port?: number;
  /** The address to listen on; `'127.0.0.1'` by default (nothing outside the machine). */
  readonly host?: string;
  /**
   * An HTTP or HTTPS server of the application to share, instead of a server of its own: the
   * sync server answers its WebSocket upgrades (those on `path`, if given) and leaves every other
   * request and upgrade to the application. `port` and `host` are then not used; the application
   * listens, before or after, and owns the server: {@link SyncServer.close} does not close it.
   */
  readonly server?: Server | HttpsServer;
  /**
   * The URL path WebSocket upgrades must ask for (`'/sync'`; the query, which may carry the
   * token, does not count). By default, every path. With a server of its own, an upgrade to
   * another path is answered 404.
   */
  readonly path?: string;
  /**
   * Where documents live durably. A document is loaded on its first subscription; each change
   * is appended as a delta before the client that sent it is acknowledged. The caller owns the
   * adapter: {@link SyncServer.close} does not close it. Without a store, documents live in
   * memory for the server's lifetime.
   */
  readonly store?: StorageAdapter;
  /**
   * Who is connecting, from the HTTP upgrade request (see {@link requestToken}); `null` or
   * `undefined` refuses the connection (close code 4001). A throw counts as a refusal. By
   * default everyone is accepted as `'anonymous'`.
   */
  readonly authenticate?: (request: IncomingMessage) => P | null | undefined | Promise<P | null | undefined>;
  /**
   * Whether `principal` may `'read'` (subscribe to) or `'write'` (change) `doc`, asked once per
   * subscription, or `'delete'` it, asked at each request (`handle.delete()`, from a writable
   * subscription only). A throw counts as a refusal. By default everything is allowed, deleting
   * too (whoever may write can already remove every value; deleting also closes every
   * subscriber's handle).
   */
  readonly authorize?: (principal: P, doc: string, access: Access) => boolean | Promise<boolean>;
  /** Overrides of {@link DEFAULT_SERVER_LIMITS}. */
  readonly limits?: Partial<ServerLimits>;
  /** How long after a change a document ships it to subscribers, batching what comes meanwhile (default 5 ms). */
  readonly flushMs?: number;
  /** How often unacknowledged deltas (and unanswered levelling digests) are sent again (default 5,000 ms). */
  readonly retransmitMs?: number;
  /** Appends after which a document's log is compacted into a snapshot (default 1,000). */
  readonly compactEvery?: number;
  /** How long a document nobody subscribes to stays loaded, with a store (default 30,000 ms). */
  readonly lingerMs?: number;
  /** Hears every unexpected error (a failed handler, append, load or compaction); the server stays up. */
  readonly onError?: (error: unknown, context: string) => void;
}

/** Traffic and health counters of a {@link SyncServer}. */
export interface ServerStats {
  /** Open connections. */
  readonly connections: number;
  /** Documents loaded. */
  readonly documents: number;
  /** Frames received, well-formed or not. */
  readonly framesIn: number;
  /** Frames sent. */
  readonly framesOut: number;
  /** Bytes of the frames received. */
  readonly bytesIn: number;
  /** Bytes of the frames sent. */
  readonly bytesOut: number;
  /** Closed connections by close code (the server's or the client's). */
  readonly closes: ReadonlyMap<number, number>;
  /** Unexpected errors reported to `onError`. */
  readonly errors: number;
  /** Connections refused at `maxConnections` or `maxConnectionsPerAddress` (HTTP 503). */
  readonly refused: number;
}

/** A loaded document as the server holds it. */
export interface DocumentInfo {
  /** The document's name. */
  readonly name: string;
  /** The CRDT type tag. */
  readonly type: string;
  /** The server replica's state; never mutate it. */
  readonly state: unknown;
  /** What a user sees of it. */
  readonly value: unknown;
  /** Connections subscribed to it. */
  readonly subscribers: number;
  /** Live presence entries by connection id and key. */
  readonly presence: ReadonlyMap<PeerId, ReadonlyMap<string, PresenceValue>>;
}

/** A running sync server: see {@link createSyncServer}. */
export interface SyncServer {
  /** The port it listens on (the OS's pick when the options said 0); 0 while a shared server is not listening. */
  readonly port: number;
  /** The address it listens on. */
  readonly host: string;
  /** `ws://host:port/path` (`wss:` on a shared HTTPS server), for clients. */
  readonly url: string;
  /** The names of the documents loaded now. */
  documents(): string[];
  /** A loaded document, or `undefined`. */
  document(name: string): DocumentInfo | undefined;
  /** Counters since the server started. */
  stats(): ServerStats;
  /**
   * Asks `authorize` again for every open subscription (only those of document `doc`, if
   * given), after permissions changed. A connection that lost read access to a document is
   * closed (4008): its client reconnects, and subscribing to that document again is refused.
   * Write access granted or withdrawn applies at once, and the client hears of it
   * (`handle.writable`). Subscriptions still opening ask again before they open. Throws a
   * `ValidationError` for a `doc` that is not a document name.
   * @example
   * acl.revoke(user, 'notes');
   * await server.reauthorize('notes');
   */
  reauthorize(doc?: string): Promise<Reauthorization>;
  /**
   * Deletes document `doc`: every subscription to it is closed (its client hears a `deleted`
   * error, closes its handle and, with a store, drops its own copy), changes still being stored
   * are waited for, then the document leaves memory and the store. Resolves with whether there
   * was anything to delete. A subscription that opens afterwards (or was still opening) gets a
   * new, empty document: a client that was offline still holds the old one and will upload it
   * when it subscribes again, unless `authorize` refuses it. Throws a `ValidationError` for a
   * `doc` that is not a document name.
   * @example
   * await server.deleteDocument('old-notes'); // true
   */
  deleteDocument(doc: string): Promise<boolean>;
  /**
   * Changes document `doc` of type `crdt` from the server, as a client would (a backend job, an
   * import, a migration): `fn` gets the state and an {@link UpdateContext} (replica id
   * {@link SERVER_REPLICA}, the server's clock) and returns a delta made by the type's mutators.
   * The document is loaded if it is not (and unloaded again after `lingerMs` if nobody
   * subscribes). The change is joined, shipped to every subscriber and stored; the promise
   * resolves with the delta once it is durable in the store. Rejects with a `ValidationError`
   * for a bad name or a document of another type, with what `fn` threw (nothing changed), or
   * with the storage's error if the append failed.
   * @example
   * await server.update('todo', ORSet, (s, { replica }) => ORSet.add(s, replica, 'water plants'));
   */
  update<S, V>(doc: string, crdt: Crdt<S, V>, fn: (state: S, context: UpdateContext) => S): Promise<S>;
  /**
   * Calls `listener` after every change of a loaded document, with its name and where the
   * change came from: `'server'` for {@link SyncServer.update}, else the id of the connection
   * that sent it (as `DocumentInfo.presence` names connections). A listener that throws is
   * reported to `onError`. Returns a function that removes the listener.
   */
  onChange(listener: (doc: string, origin: PeerId | 'server') => void): () => void;
  /**
   * Stops: closes every connection (1001), waits for pending appends, stops listening. The
   * store is left open.
   */
  close(): Promise<void>;
}

/**
 * The token a client sent: `Authorization: Bearer <token>`, else the `token` query parameter
 * (browsers cannot set headers on a WebSocket). For `authenticate` hooks.
 * @example
 * createSyncServer({ authenticate: (req) => (requestToken(req) === secret ? 'admin' : null) });
 */
export function requestToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length);
  const query = new URL(request.url ?? '/', 'ws://localhost').searchParams.get('token');
  return query ?? undefined;
}

/**
 * Starts a WebSocket sync server hosting any number of named documents of any CRDT type: each
 * document is one server replica (a `SyncNode` of `@nlbd/sync`) whose peers are the
 * subscribed connections, so a client's delta is merged, persisted, acknowledged and relayed to
 * the other subscribers. Authentication, authorization, storage, limits and presence are in
 * `docs/sync-server.md`, with the wire protocol and its close codes.
 *
 * Guarantee: an acknowledged change is durable in `store`; no input from a client can stop the
 * server (a bad client is closed with a 4000-4999 code; the others are unaffected).
 * @example
 * const server = await createSyncServer({ port: 8080, store });
 * console.log(`listening on ${server.url}`);
 * await server.close();
 */
export async function createSyncServer<P = string>(options: SyncServerOptions<P> = {}): Promise<SyncServer> {
  const server = new Host(options);
  if (options.server === undefined) await server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return server;
}

/** `path` checked to be a URL path: a `/`, then URL path characters. */
function assertPath(path: unknown): string | undefined {
  if (path === undefined) return undefined;
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(path))
    throw new ValidationError(`must be a URL path starting with /, got ${String(path)}`, 'options.path');
  return path;
}

/** A loaded (or loading) document and how many subscriptions hold it. */
interface Slot {
  readonly ready: Promise<HostedDocument<unknown>>;
  leases: number;
  unload: ReturnType<typeof setTimeout> | undefined;
}

/** `value` (or `fallback`) checked to be an integer ≥ `min`. */
function integer(value: number | undefined, fallback: number, name: string, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min)
    throw new ValidationError(`must be an integer ≥ ${min}, got ${String(v)}`, `options.${name}`);
  return v;
}

function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) integer(value, 0, `limits.${name}`);
  return Object.freeze(limits);
}

class Host<P> implements SyncServer {
  readonly #options: SyncServerOptions<P>;
  /** Whether the HTTP server is the sync server's own (else the application's, shared). */
  readonly #ownsHttp: boolean;
  readonly #path: string | undefined;
  readonly #onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  readonly #limits: ServerLimits;
  readonly #timing: { flushMs: number; retransmitMs: number; compactEvery: number; lingerMs: number };
  readonly #http: Server | HttpsServer;
  readonly #wss: WebSocketServer;
  readonly #slots = new Map<string, Slot>();
  readonly #changeListeners = new Set<(doc: string, origin: PeerId | 'server') => void>();
  /** Deletions under way, by document: loading the document waits for them. */
  readonly #deletions = new Map<string, Promise<boolean>>();
  readonly #docs = new Map<string, HostedDocument<unknown>>();
  readonly #connections = new Set<ServerConnection<P>>();
  readonly #counters = { framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, errors: 0, refused: 0 };
  readonly #admission: Admission;
  /** Sockets admitted but not yet WebSocket connections (being authenticated). */
  readonly #authenticating = new Set<Duplex>();
  readonly #closes = new Map<number, number>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #nextId = 0;
  /** How many times `reauthorize` has begun. */
  #authorizations = 0;
  #closing: Promise<void> | undefined;

  constructor(options: SyncServerOptions<P>) {
    this.#options = options;
    this.#limits = resolveLimits(options.limits);
    this.#admission = new Admission(this.#limits.maxConnections, this.#limits.maxConnectionsPerAddress);
    this.#timing = {
      flushMs: integer(options.flushMs, 5, 'flushMs', 0),
      retransmitMs: integer(options.retransmitMs, 5000, 'retransmitMs'),
      compactEvery: integer(options.compactEvery, 1000, 'compactEvery'),
      lingerMs: integer(options.lingerMs, 30_000, 'lingerMs', 0),
    };
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#limits.maxMessageBytes,
      perMessageDeflate: false,
    });
    this.#path = assertPath(options.path);
    if (options.server !== undefined && typeof options.server?.on !== 'function')
      throw new ValidationError('expected an http or https Server', 'options.server');
    this.#ownsHttp = options.server === undefined;
    this.#http =
      options.server ??
      createServer((_, res) => {
        res
          .writeHead(426, { 'content-type': 'text/plain' })
          .end('nlbd sync server: connect with a WebSocket\n');
      });
    this.#onUpgrade = (request, socket, head) => {
      if (!this.#isOurs(request)) {
        // A shared server's other upgrades are the application's.
        if (this.#ownsHttp)
          socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.#upgrade(request, socket, head).catch((error) => {
        this.#error(error, 'upgrade');
        socket.destroy();
      });
    };
    this.#http.on('upgrade', this.#onUpgrade);
    if (!this.#ownsHttp) this.#startTimers();
  }

  /** Whether an upgrade request asks for this server's path (any, without one). */
  #isOurs(request: IncomingMessage): boolean {
    if (this.#path === undefined) return true;
    try {
      return new URL(request.url ?? '/', 'ws://localhost').pathname === this.#path;
    } catch {
      return false;
    }
  }

  get port(): number {
    const address = this.#http.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  get host(): string {
    const address = this.#http.address();
    return typeof address === 'object' && address !== null ? address.address : '';
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#http.once('error', reject);
      this.#http.listen(port, host, () => {
        this.#http.off('error', reject);
        this.#http.on('error', (error) => this.#error(error, 'http server'));
        this.#startTimers();
        resolve();
      });
    });
  }

  get url(): string {
    const scheme = 'setSecureContext' in this.#http ? 'wss' : 'ws'; // an https (TLS) server has it
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${scheme}://${host}:${this.port}${this.#path ?? '/'}`;
  }

  documents(): string[] {
    return [...this.#docs.keys()];
  }

  document(name: string): DocumentInfo | undefined {
    const doc = this.#docs.get(name);
    if (doc === undefined) return undefined;
    const presence = new Map<PeerId, Map<string, PresenceValue>>();
    for (const [peer, entries] of doc.presence.view()) {
      presence.set(peer, new Map([...entries].map(([k, json]) => [k, JSON.parse(json) as PresenceValue])));
    }
    return {
      name,
      type: doc.crdt.type,
      state: doc.node.state,
      value: doc.node.value,
      subscribers: doc.subscribers.size,
      presence,
    };
  }

  stats(): ServerStats {
    return {
      connections: this.#connections.size,
      documents: this.#docs.size,
      ...this.#counters,
      closes: new Map(this.#closes),
    };
  }

  async reauthorize(doc?: string): Promise<Reauthorization> {
    if (doc !== undefined) assertName(doc, MAX_DOCUMENT_NAME, 'doc');
    this.#authorizations++;
    const found = await Promise.all([...this.#connections].map((conn) => conn.reauthorize(doc)));
    return found.reduce(
      (sum, r) => ({
        checked: sum.checked + r.checked,
        changed: sum.changed + r.changed,
        closed: sum.closed + r.closed,
      }),
      { checked: 0, changed: 0, closed: 0 },
    );
  }

  deleteDocument(doc: string): Promise<boolean> {
    assertName(doc, MAX_DOCUMENT_NAME, 'doc');
    if (this.#closing !== undefined) return Promise.reject(new Error('the server is shutting down'));
    // Deletions of one document run one after the other.
    const before = this.#deletions.get(doc) ?? Promise.resolve(false);
    const deletion = before.catch(() => false).then(() => this.#delete(doc));
    this.#deletions.set(doc, deletion);
    const forget = () => {
      if (this.#deletions.get(doc) === deletion) this.#deletions.delete(doc);
    };
    deletion.then(forget, forget);
    return deletion;
  }

  async update<S, V>(doc: string, crdt: Crdt<S, V>, fn: (state: S, context: UpdateContext) => S): Promise<S> {
    assertName(doc, MAX_DOCUMENT_NAME, 'doc');
    const c = crdt as Partial<Crdt<S, V>> | null;
    if (typeof c?.type !== 'string' || typeof c.joinInto !== 'function')
      throw new ValidationError('expected a CRDT type (such as ORSet)', 'crdt');
    if (typeof fn !== 'function') throw new ValidationError('expected a function', 'fn');
    if (this.#closing !== undefined) throw new Error('the server is shutting down');
    let hosted: HostedDocument<unknown>;
    try {
      hosted = await this.#acquire(doc, crdt as Crdt<unknown, unknown>);
    } catch (error) {
      if (error instanceof TypeMismatch) throw new ValidationError(error.message, 'crdt');
      throw error;
    }
    try {
      return (await hosted.change(fn as (state: unknown, context: UpdateContext) => unknown)) as S;
    } finally {
      this.#release(hosted);
    }
  }

  onChange(listener: (doc: string, origin: PeerId | 'server') => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  #changed(doc: string, origin: PeerId | 'server'): void {
    for (const listener of this.#changeListeners) {
      try {
        listener(doc, origin);
      } catch (error) {
        this.#error(error, `onChange listener for '${doc}'`);
      }
    }
  }

  async #delete(name: string): Promise<boolean> {
    let found = false;
    const slot = this.#slots.get(name);
    if (slot !== undefined) {
      this.#slots.delete(name);
      if (slot.unload !== undefined) clearTimeout(slot.unload);
      const doc = await slot.ready.catch(() => undefined);
      if (doc !== undefined && !doc.retired) {
        found = true;
        if (this.#docs.get(name) === doc) this.#docs.delete(name);
        // Out of the server's maps first, so the subscriptions' releases leave it alone.
        for (const conn of this.#connections) conn.documentDeleted(doc);
        await doc.settled();
        doc.retire();
      }
    }
    const store = this.#options.store;
    return (store !== undefined && (await store.remove(name))) || found;
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    for (const conn of this.#connections) conn.close(CloseCode.goingAway, 'server shutting down');
    // A socket whose authentication is pending would keep the HTTP server from closing.
    for (const socket of this.#authenticating) socket.destroy();
    // A pending unload would keep the process alive for up to `lingerMs` after the close. (The
    // closes above release documents before `#closing` is set, so they may have scheduled some.)
    for (const slot of this.#slots.values()) if (slot.unload !== undefined) clearTimeout(slot.unload);
    this.#http.off('upgrade', this.#onUpgrade);
    // A shared server is the application's: it keeps running.
    const stopped = this.#ownsHttp
      ? new Promise<void>((resolve) => this.#http.close(() => resolve()))
      : Promise.resolve();
    // Connections whose peer does not answer the close are dropped, not waited for.
    const grace = setTimeout(() => {
      for (const ws of this.#wss.clients) ws.terminate();
    }, 1000);
    for (const doc of this.#docs.values()) await doc.settled();
    // Deletions under way finish with the store still the caller's to close afterwards.
    await Promise.allSettled([...this.#deletions.values()]);
    for (const doc of this.#docs.values()) doc.retire();
    this.#docs.clear();
    this.#slots.clear();
    this.#wss.close();
    await stopped;
    clearTimeout(grace);
  }

  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => {}); // a reset while authenticating must not crash anything
    if (this.#closing !== undefined) return void socket.destroy();
    if (socket.destroyed) return;
    // Admitted from here until the socket closes, however it closes: refused by authentication,
    // a handshake `ws` rejects, a reset, or the end of the connection.
    const address = request.socket.remoteAddress ?? 'unknown';
    if (!this.#admission.admit(address)) return this.#refuseConnection(socket);
    socket.once('close', () => {
      this.#admission.release(address);
      this.#authenticating.delete(socket);
    });
    this.#authenticating.add(socket);
    const principal = await this.#authenticate(request);
    this.#authenticating.delete(socket);
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', () => {});
      if (this.#closing !== undefined) return ws.close(CloseCode.goingAway, 'server shutting down');
      if (principal === null || principal === undefined) {
        this.#countClose(CloseCode.unauthenticated);
        return ws.close(CloseCode.unauthenticated, 'authentication failed');
      }
      this.#connections.add(new ServerConnection(`c${++this.#nextId}`, principal, ws, this.#context()));
    });
  }

  /**
   * Answers an upgrade past the connection limits with HTTP 503 and no WebSocket: refusing costs
   * no handshake, and nothing is held for a peer that would not answer a close. A client backs
   * off as after any failed attempt.
   */
  #refuseConnection(socket: Duplex): void {
    this.#counters.refused++;
    const body = 'too many connections\n';
    socket.once('finish', () => socket.destroy());
    socket.end(
      'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n' +
        `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  }

  async #authenticate(request: IncomingMessage): Promise<P | null | undefined> {
    const authenticate = this.#options.authenticate;
    if (authenticate === undefined) return 'anonymous' as P;
    try {
      return await authenticate(request);
    } catch (error) {
      this.#error(error, 'authenticate');
      return null;
    }
  }

  #context(): ConnectionContext<P> {
    return {
      limits: this.#limits,
      authorize: async (principal, doc, access) => {
        const authorize = this.#options.authorize;
        if (authorize === undefined) return true;
        try {
          return (await authorize(principal, doc, access)) === true;
        } catch (error) {
          this.#error(error, `authorize ${access} '${doc}'`);
          return false;
        }
      },
      authorizations: () => this.#authorizations,
      acquire: (name, crdt) => this.#acquire(name, crdt),
      release: (doc) => this.#release(doc),
      deleteDocument: (name) => this.deleteDocument(name),
      onError: (error, context) => this.#error(error, context),
      count: (direction, bytes) => {
        if (direction === 'in') {
          this.#counters.framesIn++;
          this.#counters.bytesIn += bytes;
        } else {
          this.#counters.framesOut++;
          this.#counters.bytesOut += bytes;
        }
      },
      closed: (conn, code) => {
        this.#connections.delete(conn);
        if (code !== undefined) this.#countClose(code);
      },
    };
  }

  #countClose(code: number): void {
    this.#closes.set(code, (this.#closes.get(code) ?? 0) + 1);
  }

  #error(error: unknown, context: string): void {
    this.#counters.errors++;
    try {
      this.#options.onError?.(error, context);
    } catch {
      // A failing logger must not take the server down either.
    }
  }

  #startTimers(): void {
    // A round: unacknowledged deltas again, and digests to subscribers not yet levelled with.
    const retransmit = setInterval(() => {
      for (const doc of this.#docs.values()) doc.tick();
    }, this.#timing.retransmitMs);
    const idle = this.#limits.idleTimeoutMs;
    const sweep = setInterval(
      () => {
        const now = Date.now();
        for (const conn of this.#connections) {
          if (now - conn.lastSeen > idle) conn.close(CloseCode.idle, `no frame for ${idle} ms`);
        }
      },
      Math.max(50, Math.floor(idle / 4)),
    );
    this.#timers.push(retransmit, sweep);
  }

  /** The document `name` as `crdt`, loaded once however many subscribe at the same time. */
  async #acquire(name: string, crdt: Crdt<unknown, unknown>): Promise<HostedDocument<unknown>> {
    for (;;) {
      if (this.#closing !== undefined) throw new Error('the server is shutting down');
      const deletion = this.#deletions.get(name);
      if (deletion !== undefined) {
        await deletion.catch(() => {});
        continue;
      }
      let slot = this.#slots.get(name);
      if (slot === undefined) slot = this.#openSlot(name, crdt);
      slot.leases++;
      if (slot.unload !== undefined) clearTimeout(slot.unload);
      slot.unload = undefined;
      let doc: HostedDocument<unknown>;
      try {
        doc = await slot.ready;
      } catch (error) {
        slot.leases--;
        throw error;
      }
      if (doc.retired) continue; // dropped meanwhile: its slot is gone, load afresh
      if (doc.crdt.type !== crdt.type) {
        this.#release(doc);
        throw new TypeMismatch(name, doc.crdt.type);
      }
      return doc;
    }
  }

  #openSlot(name: string, crdt: Crdt<unknown, unknown>): Slot {
    const slot: Slot = { ready: this.#load(name, crdt), leases: 0, unload: undefined };
    this.#slots.set(name, slot);
    slot.ready.then(
      (doc) => this.#docs.set(name, doc),
      () => {
        if (this.#slots.get(name) === slot) this.#slots.delete(name);
      },
    );
    return slot;
  }

  async #load(name: string, crdt: Crdt<unknown, unknown>): Promise<HostedDocument<unknown>> {
    const store = this.#options.store;
    const { flushMs, compactEvery } = this.#timing;
    const opened =
      store === undefined
        ? { log: undefined, state: crdt.empty() }
        : await DocumentLog.open(store, name, crdt, compactEvery, (e) =>
            this.#error(e, `compacting '${name}'`),
          );
    const doc: HostedDocument<unknown> = new HostedDocument(name, crdt, opened.state, {
      log: opened.log,
      flushMs,
      onPersistError: (error) => this.#retire(doc, error),
      onChange: (origin) => this.#changed(name, origin),
    });
    return doc;
  }

  #release(doc: HostedDocument<unknown>): void {
    const slot = this.#slots.get(doc.name);
    if (slot === undefined || this.#docs.get(doc.name) !== doc) return;
    slot.leases--;
    // Without a store the document lives only here: it stays until the server stops.
    if (slot.leases > 0 || this.#options.store === undefined || this.#closing !== undefined) return;
    slot.unload = setTimeout(() => void this.#unload(doc, slot), this.#timing.lingerMs);
  }

  async #unload(doc: HostedDocument<unknown>, slot: Slot): Promise<void> {
    await doc.settled();
    if (slot.leases > 0 || this.#slots.get(doc.name) !== slot) return;
    this.#slots.delete(doc.name);
    this.#docs.delete(doc.name);
    doc.retire();
  }

  /** An append failed: the document is dropped and its subscribers reconnect to a fresh load. */
  #retire(doc: HostedDocument<unknown>, error: unknown): void {
    if (doc.retired) return;
    this.#error(error, `appending to '${doc.name}'`);
    if (this.#docs.get(doc.name) === doc) {
      this.#slots.delete(doc.name);
      this.#docs.delete(doc.name);
    }
    doc.retire();
    for (const sub of [...doc.subscribers.values()]) {
      sub.conn.close(CloseCode.storage, `storage failed for '${doc.name}'`);
    }
  }
}
