import {
  type Crdt,
  HybridLogicalClock,
  NlbdError,
  type ReplicaId,
  randomReplicaId,
  ValidationError,
} from '@nlbd/core';
import { admitTimestamps } from '@nlbd/crdts';
import { type DurableDocument, openDocument, type StorageAdapter } from '@nlbd/store/durable';
import { type PeerId, SyncNode, syncCodec, type Transport } from '@nlbd/sync';
import { Listeners } from './listeners.js';
import { ClientPresence, type Presence } from './presence.js';
import {
  assertName,
  CloseCode,
  decodeFrame,
  type ErrorCode,
  encodeFrame,
  type Frame,
  MAX_CHANNEL,
  MAX_DOCUMENT_NAME,
} from './protocol.js';

/**
 * The part of the WHATWG `WebSocket` API the client uses: browsers' `WebSocket`, Node 22's
 * global one and the `ws` package's class all fit.
 */
export interface WebSocketLike {
  /** Set to `'arraybuffer'`: frames arrive as `ArrayBuffer`s. */
  binaryType: string;
  /** 1 when open. */
  readonly readyState: number;
  /** Gets `{ data }` for each message. */
  // biome-ignore lint/suspicious/noExplicitAny: each implementation types its events its own way
  onmessage: ((event: any) => void) | null;
  /** Gets `{ code, reason }` once closed. */
  // biome-ignore lint/suspicious/noExplicitAny: as above
  onclose: ((event: any) => void) | null;
  /** Called on errors; a close always follows. */
  // biome-ignore lint/suspicious/noExplicitAny: as above
  onerror: ((event: any) => void) | null;
  /** Sends one binary message. */
  send(data: Uint8Array): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
}

/** A `WebSocket` class: `new WebSocket(url)`. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Reconnection delays: attempt n waits between half and all of `min(maxMs, initialMs·factorⁿ)`. */
export interface BackoffOptions {
  /** Default 250 ms. */
  readonly initialMs?: number;
  /** Default 10,000 ms. */
  readonly maxMs?: number;
  /** Default 2. */
  readonly factor?: number;
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Documents to open at once, by name (more can be opened with {@link SyncClient.open}). */
  readonly docs?: Readonly<Record<string, Crdt<unknown, unknown>>>;
  /** Sent as the `token` query parameter, for the server's `authenticate`. */
  readonly token?: string;
  /** The WebSocket class; the global one by default (on Node 20, pass `WebSocket` from `ws`). */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * This client's replica id, stamped on its changes; random by default. No other live replica
   * may use it, and a replica that starts empty must never reuse an id whose changes exist
   * elsewhere (its first changes would collide with the old ones): pass one only if it is new.
   */
  readonly replica?: ReplicaId;
  /** How often to ping the server (default 10,000 ms, or a third of the server's idle timeout if less). */
  readonly heartbeatMs?: number;
  /** Reconnection delays. */
  readonly backoff?: BackoffOptions;
  /** How long after a local change it is sent, batching what comes meanwhile (default 5 ms). */
  readonly flushMs?: number;
  /** How often unacknowledged changes are sent again (default 5,000 ms). */
  readonly retransmitMs?: number;
  /** The most changes kept per document until the server acknowledges them (default 100,000). */
  readonly maxBufferedDeltas?: number;
  /** The random source of the backoff jitter (default `Math.random`). */
  readonly random?: () => number;
  /**
   * Keeps every document this client opens durable in this storage (an `IndexedDbStorage` in
   * browsers, a `SqliteStorage` in Node: any `StorageAdapter`): a document opened again, after
   * a restart too, starts from what was stored (see {@link DocumentHandle.restored}), and every
   * change, local or from the server, is stored as it is applied. Edits made offline thus
   * survive a restart: once restored, the server gets by digest whatever of them it lacks (not
   * the whole state). The caller owns
   * the storage: closing the client does not close it. Restored edits keep the replica id they
   * were made with; a `replica` given here must still be new.
   */
  readonly store?: StorageAdapter;
}

/**
 * Where a client is: `connecting` (socket opening, not yet welcomed), `open`, `offline`
 * (waiting to reconnect, or after {@link SyncClient.disconnect}), `closed` (for good).
 */
export type ClientStatus = 'connecting' | 'open' | 'offline' | 'closed';

/**
 * An error the server reported: a refused request about document `path` (its `code` an
 * {@link ErrorCode}), or `'unauthenticated'` when the server refused the connection.
 */
export class RemoteError extends NlbdError {
  constructor(code: ErrorCode | 'unauthenticated', message: string, doc = '') {
    super(code, message, doc);
  }
}

/** What an update function gets besides the state: the ids and clock the type's mutators need. */
export interface UpdateContext {
  /** The handle's replica id (see {@link DocumentHandle.replica}). */
  readonly replica: ReplicaId;
  /** The clock of that replica, for LWW types. */
  readonly clock: HybridLogicalClock;
}

/**
 * One document of a {@link SyncClient}: a local replica that syncs with the server's whenever
 * the client is connected. Edits are applied at once, online or offline; those not yet
 * acknowledged by the server are kept and sent again after a reconnection, and since joins are
 * idempotent, none is lost and none counts twice.
 * @example
 * const todo = client.open('todo', ORSet);
 * todo.update((s, { replica }) => ORSet.add(s, replica, 'milk'));
 * todo.onChange(() => console.log(todo.value));
 * await todo.synced(); // durable on the server
 */
export interface DocumentHandle<S, V> {
  /** The document's name on the server. */
  readonly name: string;
  /** Its CRDT type. */
  readonly crdt: Crdt<S, V>;
  /**
   * The replica id this handle's changes carry: the client's {@link SyncClient.replica} the first
   * time the client opens `name`, a fresh random one when it opens it again after a close (the
   * new handle starts empty, so reusing the id could collide with the old handle's changes).
   */
  readonly replica: ReplicaId;
  /** The current state; never mutate it. */
  readonly state: S;
  /** What the user sees now. */
  readonly value: V;
  /** Whether the document is subscribed on the current connection. */
  readonly subscribed: boolean;
  /** Whether the server accepts changes; `undefined` until it has said. */
  readonly writable: boolean | undefined;
  /** Whether local changes are waiting for the server's acknowledgement. */
  readonly pending: boolean;
  /**
   * Whether the server deleted the document (`SyncServer.deleteDocument`): the handle is then
   * closed, its last state still readable; with the client's `store`, the stored copy is removed
   * too. Opening the name again starts a new, empty document.
   */
  readonly deleted: boolean;
  /** The document's presence (ephemeral per-connection entries). */
  readonly presence: Presence;
  /**
   * Applies a local change: `fn` returns a delta made by the type's mutators. Throws an
   * `NlbdError` with code `'forbidden'` if the server said the document is read-only.
   */
  update(fn: (state: S, context: UpdateContext) => S): S;
  /** Resolves once every local change made so far is acknowledged, i.e. durable on the server. */
  synced(): Promise<void>;
  /**
   * With the client's `store`: resolves once what was stored for this document (earlier
   * sessions' edits, acknowledged or not) is joined into the handle, and rejects if it could not
   * be loaded. Edits made meanwhile are kept, and join with it. Without a store, resolves at once.
   */
  restored(): Promise<void>;
  /**
   * With the client's `store`: resolves once every change applied so far (local or from the
   * server) is durable in it; rejects, from then on, once writing one failed. Without a store,
   * resolves at once.
   */
  saved(): Promise<void>;
  /** Calls `listener` after every change of the state, with where it came from. */
  onChange(listener: (origin: 'local' | 'remote') => void): () => void;
  /** Calls `listener` for every error the server reports about this document. */
  onError(listener: (error: RemoteError) => void): () => void;
  /**
   * Asks the server to delete the document (`SyncServer.deleteDocument`): the handle must be
   * writable, and `authorize` must allow `'delete'`. Resolves once the server has deleted it: this handle is then closed like every
   * other subscriber's (see {@link DocumentHandle.deleted}). Rejects with a `RemoteError`
   * `forbidden` if the server refused, and with a `ValidationError` if the handle is closed or
   * not subscribed (deleting needs the server), or if the connection dropped before the server
   * answered (the document may or may not be deleted then).
   */
  delete(): Promise<void>;
  /** Unsubscribes and drops the local replica (unacknowledged changes are lost). */
  close(): void;
}

/**
 * A connection to a sync server, kept up by reconnecting with jittered exponential backoff and
 * heartbeats, with any number of open documents.
 */
export interface SyncClient {
  /** The replica id stamped on this client's changes (see {@link DocumentHandle.replica}). */
  readonly replica: ReplicaId;
  /** Where the client is (see {@link ClientStatus}). */
  readonly status: ClientStatus;
  /** This connection's id at the server (it names its presence); `undefined` when not open. */
  readonly peer: PeerId | undefined;
  /**
   * Opens document `name` of type `crdt` (the same handle if it is open already, a
   * `ValidationError` if with another type). Works offline: it subscribes when connected.
   */
  open<S, V>(name: string, crdt: Crdt<S, V>): DocumentHandle<S, V>;
  /** Calls `listener` on every status change. */
  onStatus(listener: (status: ClientStatus) => void): () => void;
  /** Calls `listener` for every error the server reports, about documents or the connection. */
  onError(listener: (error: RemoteError) => void): () => void;
  /** Goes offline on purpose: edits keep being applied and queue until {@link reconnect}. */
  disconnect(): void;
  /** Connects now if not connected (after {@link disconnect}, or to skip a backoff wait). */
  reconnect(): void;
  /** Closes the connection and every document for good. */
  close(): void;
}

const SERVER: PeerId = 'server';
const SERVER_PEERS: readonly PeerId[] = [SERVER];
const OPEN = 1;

/**
 * Connects to a sync server at `url` (`ws:` or `wss:`, or a function giving it anew at each
 * attempt) and keeps connected until closed: on a drop it reconnects with jittered exponential
 * backoff, resubscribes every open document, sends what changed offline and receives what it
 * missed. A dead connection is detected by heartbeats. A server close with code 4001
 * (unauthenticated) stops the retries.
 * @example
 * import { WebSocket } from 'ws'; // Node 20; browsers have a global WebSocket
 * const client = connect('ws://127.0.0.1:8080', { token, WebSocket });
 * const notes = client.open('notes', LWWMap);
 * notes.update((s, { replica, clock }) => LWWMap.set(s, replica, 'title', 'Groceries', clock));
 */
export function connect(url: string | (() => string), options: ConnectOptions = {}): SyncClient {
  if (typeof url === 'string') checkUrl(url);
  const client = new Client(url, options);
  for (const [name, crdt] of Object.entries(options.docs ?? {})) client.open(name, crdt);
  client.reconnect();
  return client;
}

function checkUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new ValidationError(`not a URL: '${url}'`, 'url');
  }
  if (protocol !== 'ws:' && protocol !== 'wss:')
    throw new ValidationError(`must be a ws: or wss: URL, got ${protocol}`, 'url');
}

function count(value: number | undefined, fallback: number, name: string, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min)
    throw new ValidationError(`must be an integer ≥ ${min}, got ${String(v)}`, `options.${name}`);
  return v;
}

/** `store`, if it is a storage adapter (or undefined); a `ValidationError` otherwise. */
function assertStorage(store: unknown): StorageAdapter | undefined {
  if (store === undefined) return undefined;
  const s = store as Partial<Record<keyof StorageAdapter, unknown>> | null;
  for (const method of ['load', 'append', 'compact', 'remove'] as const) {
    if (typeof s?.[method] !== 'function')
      throw new ValidationError(`expected a StorageAdapter (no ${method} method)`, 'options.store');
  }
  return store as StorageAdapter;
}

/** What a document needs of its client. */
interface ClientLink {
  readonly maxBufferedDeltas: number;
  send(frame: Frame): void;
  scheduleShip(doc: Doc<unknown, unknown>): void;
  reportError(error: RemoteError): void;
  forget(doc: Doc<unknown, unknown>): void;
  /** Removes `name` from the client's store once `saved` settles (its last changes stored). */
  unstore(name: string, saved: Promise<unknown>): void;
}

class Doc<S, V> implements DocumentHandle<S, V> {
  readonly name: string;
  readonly crdt: Crdt<S, V>;
  readonly channel: number;
  readonly presence: ClientPresence;
  readonly #client: ClientLink;
  readonly #node: SyncNode<S, V>;
  readonly #context: UpdateContext;
  readonly #changes = new Listeners<['local' | 'remote']>();
  readonly #errors = new Listeners<[RemoteError]>();
  #subscribed = false;
  #writable: boolean | undefined;
  #closed = false;
  #deleted = false;
  /** The sequence number of the latest local change. */
  #lastLocal = 0;
  /** The sequence number of the last interval sent to the server (one in flight at a time). */
  #shipped = 0;
  #waiters: { seq: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  /** `delete()` calls waiting for the server's answer. */
  #deleting: { resolve: () => void; reject: (error: Error) => void }[] = [];
  /** The document in the client's store, once open; undefined without a store. */
  readonly #durable: Promise<DurableDocument<S, V>> | undefined;
  readonly #restored: Promise<void>;
  /** Settles once every change so far is stored; rejected for good once one failed. */
  #saved: Promise<unknown> = Promise.resolve();

  constructor(
    name: string,
    crdt: Crdt<S, V>,
    channel: number,
    context: UpdateContext,
    client: ClientLink,
    store: StorageAdapter | undefined,
    /** Settles once an earlier handle's stored copy of `name` is removed, if one is being. */
    removed: Promise<unknown>,
  ) {
    this.name = name;
    this.crdt = crdt;
    this.channel = channel;
    this.#client = client;
    this.#context = context;
    this.presence = new ClientPresence({
      live: () => this.#subscribed,
      send: (key, value, ttlMs) => client.send({ type: 'set-presence', channel, key, value, ttlMs }),
    });
    this.#node = new SyncNode({
      crdt,
      transport: this.#transport(),
      codec: syncCodec(crdt),
      protocols: { delta: true, digest: false, fullState: false },
      removeRedundant: false, // the server is the only neighbour: nothing is forwarded
      maxBufferedDeltas: client.maxBufferedDeltas,
      onChange: (origin) => this.#changes.emit(origin === 'local' ? 'local' : 'remote'),
      // LWW writes made here after seeing a remote one must win over it, whatever the wall clocks.
      admit: (incoming) => admitTimestamps(crdt, incoming, context.clock),
      // With a store, the server's changes are acknowledged only once stored here.
      ...(store === undefined ? {} : { persist: (delta: S) => this.#store(delta) }),
    });
    // Meet the server now, at sequence 0: every local change stays unacknowledged until it acks.
    this.#node.shipDeltas();
    this.#durable = store === undefined ? undefined : removed.then(() => openDocument(store, name, crdt));
    this.#restored =
      this.#durable === undefined ? Promise.resolve() : this.#durable.then((d) => this.#restore(d));
    this.#restored.catch(() => {}); // reported by restored()
  }

  /** Stores a change once the stored document is open, after every change before it. */
  #store(delta: S): Promise<unknown> {
    if (this.#durable === undefined) return Promise.resolve();
    const stored = this.#durable.then((d) => d.persist(delta));
    this.#saved = this.#saved.then(() => stored);
    this.#saved.catch(() => {}); // reported by saved()
    return stored;
  }

  /**
   * Joins the stored state in, as the node's own past (not stored again, not a new change): the
   * server then gets, by digest, only what of it it lacks. The clock moves past its timestamps
   * first, so that new writes win over restored ones.
   */
  #restore(durable: DurableDocument<S, V>): void {
    if (this.#closed) return;
    admitTimestamps(this.crdt, durable.state, this.#context.clock);
    // A copy: the stored document's state keeps growing as changes are stored.
    this.#node.restore(this.crdt.clone(durable.state));
  }

  get replica(): ReplicaId {
    return this.#context.replica;
  }

  get state(): S {
    return this.#node.state;
  }

  get value(): V {
    return this.#node.value;
  }

  get subscribed(): boolean {
    return this.#subscribed;
  }

  get writable(): boolean | undefined {
    return this.#writable;
  }

  get pending(): boolean {
    return this.#lastLocal > this.#node.acknowledged(SERVER);
  }

  get deleted(): boolean {
    return this.#deleted;
  }

  update(fn: (state: S, context: UpdateContext) => S): S {
    if (this.#closed) throw new ValidationError(`document '${this.name}' is closed`, 'update');
    if (this.#writable === false)
      throw new NlbdError('forbidden', `no write access to '${this.name}'`, 'update');
    const before = this.#node.sequence;
    const delta = this.#node.update((s) => fn(s, this.#context));
    if (this.#node.sequence !== before) {
      this.#lastLocal = this.#node.sequence;
      this.#client.scheduleShip(this as Doc<unknown, unknown>);
    }
    return delta;
  }

  restored(): Promise<void> {
    return this.#restored;
  }

  async saved(): Promise<void> {
    await this.#saved;
  }

  synced(): Promise<void> {
    if (this.#closed)
      return Promise.reject(new ValidationError(`document '${this.name}' is closed`, 'synced'));
    if (!this.pending) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ seq: this.#lastLocal, resolve, reject }));
  }

  onChange(listener: (origin: 'local' | 'remote') => void): () => void {
    return this.#changes.add(listener);
  }

  onError(listener: (error: RemoteError) => void): () => void {
    return this.#errors.add(listener);
  }

  delete(): Promise<void> {
    if (this.#closed)
      return Promise.reject(new ValidationError(`document '${this.name}' is closed`, 'delete'));
    if (!this.#subscribed) {
      return Promise.reject(
        new ValidationError(`'${this.name}' is not subscribed: deleting needs the server`, 'delete'),
      );
    }
    return new Promise((resolve, reject) => {
      this.#deleting.push({ resolve, reject });
      this.#client.send({ type: 'delete', channel: this.channel });
    });
  }

  close(): void {
    this.#shut('closed');
  }

  /** Settles the `delete()` calls waiting: with `error`, or resolved without one. */
  #answerDeletes(error?: Error): void {
    const waiting = this.#deleting;
    this.#deleting = [];
    for (const d of waiting) {
      if (error === undefined) d.resolve();
      else d.reject(error);
    }
  }

  #shut(why: 'closed' | 'deleted'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.send({ type: 'unsubscribe', channel: this.channel });
    this.#client.forget(this as Doc<unknown, unknown>);
    this.#node.close();
    this.presence.close();
    this.#changes.clear();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(new ValidationError(`document '${this.name}' was ${why}`, 'synced'));
    this.#answerDeletes(
      new ValidationError(`document '${this.name}' was ${why} before the server answered`, 'delete'),
    );
  }

  /**
   * Sends what the server has not acknowledged, unless an interval is still in flight: changes
   * made meanwhile go out when its ack comes (or at the next {@link tick}), so a slow server is
   * sent each change about once.
   */
  ship(): void {
    if (!this.#subscribed || this.#closed || this.#shipped > this.#node.acknowledged(SERVER)) return;
    this.#node.shipDeltas();
    this.#shipped = this.#node.sequence;
    this.#settle(); // with nothing left to send, everything counts as acknowledged
  }

  /** A round of the node: unacknowledged changes again, and digests until levelled with the server. */
  tick(): void {
    if (!this.#subscribed || this.#closed) return;
    this.#node.tick();
    this.#shipped = this.#node.sequence;
    this.#settle();
  }

  /** The connection is welcomed: ask for the document. */
  subscribe(): void {
    const frame = { type: 'subscribe', channel: this.channel, doc: this.name, crdt: this.crdt.type } as const;
    this.#client.send(frame);
  }

  /** The server opened the subscription: own presence goes out, then unacknowledged changes. */
  subscribedNow(writable: boolean): void {
    this.#subscribed = true;
    this.#writable = writable;
    this.#shipped = 0; // whatever was in flight went with the old connection
    this.presence.resend();
    this.ship();
  }

  /** The connection is gone: nothing is sent until the next subscription. */
  disconnected(): void {
    this.#subscribed = false;
    this.#answerDeletes(
      new ValidationError(
        `the connection dropped before the server answered: '${this.name}' may or may not be deleted`,
        'delete',
      ),
    );
    this.presence.disconnected();
  }

  /** The bytes of a `sync` frame for this document. */
  receive(bytes: Uint8Array): void {
    if (!this.#subscribed) return;
    this.#node.receive(SERVER, bytes);
    this.#settle();
    if (this.pending) this.ship(); // an ack may have freed the way for the next interval
  }

  /**
   * An error frame: before the subscription was open it means the subscription was refused;
   * `deleted` means the server deleted the document, which closes this handle and drops its
   * stored copy.
   */
  refused(code: ErrorCode, message: string): void {
    const error = new RemoteError(code, message, this.name);
    this.#errors.emit(error);
    this.#client.reportError(error);
    if (code === 'forbidden' || code === 'unavailable') this.#answerDeletes(error);
    if (code !== 'deleted' || this.#closed) return;
    this.#answerDeletes();
    this.#deleted = true;
    this.#shut('deleted');
    if (this.#durable !== undefined) this.#client.unstore(this.name, this.#saved);
  }

  /** Resolves the `synced` promises the server's acknowledgements cover. */
  #settle(): void {
    if (this.#waiters.length === 0) return;
    const acked = this.#node.acknowledged(SERVER);
    const done = this.#waiters.filter((w) => w.seq <= acked);
    if (done.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.seq > acked);
    for (const w of done) w.resolve();
  }

  #transport(): Transport {
    return {
      self: this.#context.replica,
      peers: () => SERVER_PEERS,
      send: (_, bytes) => {
        if (this.#subscribed) this.#client.send({ type: 'sync', channel: this.channel, bytes });
      },
      onMessage: () => () => {},
      onPeer: () => () => {},
    };
  }
}

class Client implements SyncClient, ClientLink {
  readonly replica: ReplicaId;
  readonly #clock: HybridLogicalClock;
  /** Every name this client has opened: a second handle on one gets a fresh replica id. */
  readonly #opened = new Set<string>();
  readonly maxBufferedDeltas: number;
  readonly #url: () => string;
  readonly #token: string | undefined;
  readonly #WebSocket: WebSocketConstructor;
  readonly #heartbeatMs: number;
  readonly #backoff: Required<BackoffOptions>;
  readonly #flushMs: number;
  readonly #random: () => number;
  readonly #store: StorageAdapter | undefined;
  readonly #docs = new Map<string, Doc<unknown, unknown>>();
  readonly #channels = new Map<number, Doc<unknown, unknown>>();
  readonly #dirty = new Set<Doc<unknown, unknown>>();
  /** Removals of deleted documents from the store under way, by name. */
  readonly #removals = new Map<string, Promise<unknown>>();
  readonly #statusListeners = new Listeners<[ClientStatus]>();
  readonly #errorListeners = new Listeners<[RemoteError]>();
  readonly #retransmit: ReturnType<typeof setInterval>;
  #status: ClientStatus = 'offline';
  #ws: WebSocketLike | undefined;
  #peer: PeerId | undefined;
  #nextChannel = 0;
  #nonce = 0;
  #attempt = 0;
  #wanted = true;
  #pingEveryMs: number;
  #lastHeard = 0;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(url: string | (() => string), options: ConnectOptions) {
    const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (WebSocket === undefined) {
      throw new ValidationError(
        "no global WebSocket here: pass { WebSocket } from 'ws'",
        'options.WebSocket',
      );
    }
    this.#WebSocket = WebSocket;
    this.#url = typeof url === 'string' ? () => url : url;
    this.#token = options.token;
    this.replica = options.replica ?? randomReplicaId();
    this.#clock = new HybridLogicalClock(this.replica);
    this.#heartbeatMs = count(options.heartbeatMs, 10_000, 'heartbeatMs');
    this.#pingEveryMs = this.#heartbeatMs;
    this.#backoff = {
      initialMs: count(options.backoff?.initialMs, 250, 'backoff.initialMs'),
      maxMs: count(options.backoff?.maxMs, 10_000, 'backoff.maxMs'),
      factor: options.backoff?.factor ?? 2,
    };
    if (!(this.#backoff.factor >= 1)) throw new ValidationError('must be ≥ 1', 'options.backoff.factor');
    this.#flushMs = count(options.flushMs, 5, 'flushMs', 0);
    this.maxBufferedDeltas = count(options.maxBufferedDeltas, 100_000, 'maxBufferedDeltas');
    this.#random = options.random ?? Math.random;
    this.#store = assertStorage(options.store);
    const retransmitMs = count(options.retransmitMs, 5000, 'retransmitMs');
    this.#retransmit = setInterval(() => {
      for (const doc of this.#docs.values()) doc.tick();
    }, retransmitMs);
  }

  get status(): ClientStatus {
    return this.#status;
  }

  get peer(): PeerId | undefined {
    return this.#peer;
  }

  open<S, V>(name: string, crdt: Crdt<S, V>): DocumentHandle<S, V> {
    if (this.#status === 'closed') throw new ValidationError('the client is closed', 'open');
    assertName(name, MAX_DOCUMENT_NAME, 'open.name');
    const known = this.#docs.get(name);
    if (known !== undefined) {
      if (known.crdt.type !== crdt.type)
        throw new ValidationError(
          `'${name}' is open as a ${known.crdt.type}, not a ${crdt.type}`,
          'open.crdt',
        );
      return known as unknown as DocumentHandle<S, V>;
    }
    if (this.#nextChannel >= MAX_CHANNEL) throw new ValidationError('out of channel numbers', 'open');
    const context = this.#contextFor(name);
    const removed = this.#removals.get(name) ?? Promise.resolve();
    const doc = new Doc(
      name,
      crdt,
      ++this.#nextChannel,
      context,
      this,
      this.#store,
      removed,
    ) as unknown as Doc<unknown, unknown>;
    this.#docs.set(name, doc);
    this.#channels.set(doc.channel, doc);
    if (this.#status === 'open') doc.subscribe();
    return doc as unknown as DocumentHandle<S, V>;
  }

  onStatus(listener: (status: ClientStatus) => void): () => void {
    return this.#statusListeners.add(listener);
  }

  onError(listener: (error: RemoteError) => void): () => void {
    return this.#errorListeners.add(listener);
  }

  disconnect(): void {
    this.#wanted = false;
    this.#drop(CloseCode.normal, 'client went offline');
  }

  reconnect(): void {
    if (this.#status === 'closed') throw new ValidationError('the client is closed', 'reconnect');
    this.#wanted = true;
    this.#attempt = 0;
    if (this.#ws === undefined) this.#dial();
  }

  close(): void {
    if (this.#status === 'closed') return;
    this.disconnect();
    for (const doc of [...this.#docs.values()]) doc.close();
    clearInterval(this.#retransmit);
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
    this.#setStatus('closed');
    this.#statusListeners.clear();
    this.#errorListeners.clear();
  }

  send(frame: Frame): void {
    const ws = this.#ws;
    if (ws !== undefined && ws.readyState === OPEN) ws.send(encodeFrame(frame));
  }

  scheduleShip(doc: Doc<unknown, unknown>): void {
    this.#dirty.add(doc);
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      const dirty = [...this.#dirty];
      this.#dirty.clear();
      for (const d of dirty) d.ship();
    }, this.#flushMs);
  }

  reportError(error: RemoteError): void {
    this.#errorListeners.emit(error);
  }

  forget(doc: Doc<unknown, unknown>): void {
    this.#docs.delete(doc.name);
    this.#channels.delete(doc.channel);
    this.#dirty.delete(doc);
  }

  unstore(name: string, saved: Promise<unknown>): void {
    const store = this.#store;
    if (store === undefined) return;
    const removal = saved
      .catch(() => {}) // a change that failed to store is gone with the rest
      .then(() => store.remove(name))
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.reportError(
          new RemoteError('unavailable', `could not remove '${name}' from the store: ${message}`, name),
        );
      })
      .finally(() => {
        if (this.#removals.get(name) === removal) this.#removals.delete(name);
      });
    this.#removals.set(name, removal);
  }

  /** The client's id the first time `name` is opened; a fresh one after that. */
  #contextFor(name: string): UpdateContext {
    if (!this.#opened.has(name)) {
      this.#opened.add(name);
      return { replica: this.replica, clock: this.#clock };
    }
    const replica = randomReplicaId();
    return { replica, clock: new HybridLogicalClock(replica) };
  }

  #setStatus(status: ClientStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#statusListeners.emit(status);
  }

  #dial(): void {
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    let ws: WebSocketLike;
    try {
      ws = new this.#WebSocket(this.#withToken(this.#url()));
    } catch {
      this.#retryLater();
      return;
    }
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (event: { data: unknown }) => {
      if (this.#ws === ws) this.#onData(event.data);
    };
    ws.onclose = (event: { code: number; reason: string }) => {
      if (this.#ws === ws) this.#closed(event.code, event.reason);
    };
    ws.onerror = () => {}; // a close event follows
    this.#ws = ws;
    this.#lastHeard = Date.now();
    this.#pingEveryMs = this.#heartbeatMs;
    this.#startHeartbeat();
    this.#setStatus('connecting');
  }

  #withToken(url: string): string {
    if (this.#token === undefined) return url;
    const u = new URL(url);
    u.searchParams.set('token', this.#token);
    return u.toString();
  }

  /** Pings the server; a connection silent for two ping periods is taken for dead and dropped. */
  #startHeartbeat(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      if (Date.now() - this.#lastHeard > 2 * this.#pingEveryMs) {
        this.#drop(CloseCode.idle, 'no frame from the server');
      } else {
        this.send({ type: 'ping', nonce: (this.#nonce = (this.#nonce + 1) % MAX_CHANNEL) });
      }
    }, this.#pingEveryMs);
  }

  /** Closes the socket and acts at once, without waiting for its close event (a dead peer never sends one). */
  #drop(code: number, reason: string): void {
    const ws = this.#ws;
    if (ws === undefined) {
      if (!this.#wanted) this.#afterClose();
      return;
    }
    try {
      ws.close(code, reason);
    } catch {
      // already closing
    }
    this.#closed(code, reason);
  }

  #closed(code: number, reason: string): void {
    const welcomed = this.#status === 'open';
    this.#ws = undefined;
    this.#peer = undefined;
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    for (const doc of this.#docs.values()) doc.disconnected();
    if (code === CloseCode.unauthenticated) {
      this.#wanted = false;
      this.reportError(new RemoteError('unauthenticated', reason || 'authentication failed'));
    }
    // A session that ended for a reason other than the server's complaint retries quickly.
    if (welcomed && (code < 4000 || code > 4999)) this.#attempt = 0;
    this.#afterClose();
  }

  #afterClose(): void {
    if (this.#status === 'closed') return;
    this.#setStatus('offline');
    if (this.#wanted) this.#retryLater();
  }

  #retryLater(): void {
    const { initialMs, maxMs, factor } = this.#backoff;
    const cap = Math.min(maxMs, initialMs * factor ** this.#attempt++);
    const delay = cap / 2 + (this.#random() * cap) / 2;
    if (this.#reconnectTimer !== undefined) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#wanted && this.#ws === undefined) this.#dial();
    }, delay);
  }

  #onData(data: unknown): void {
    this.#lastHeard = Date.now();
    let frame: Frame;
    try {
      if (!(data instanceof ArrayBuffer)) throw new ValidationError('expected a binary frame', 'frame');
      frame = decodeFrame(new Uint8Array(data));
    } catch {
      this.#drop(CloseCode.malformed, 'malformed frame from the server');
      return;
    }
    this.#handle(frame);
  }

  #handle(frame: Frame): void {
    const doc = 'channel' in frame && frame.channel !== null ? this.#channels.get(frame.channel) : undefined;
    switch (frame.type) {
      case 'welcome':
        this.#welcome(frame.peer, frame.idleTimeoutMs);
        break;
      case 'subscribed':
        doc?.subscribedNow(frame.writable);
        break;
      case 'sync':
        doc?.receive(frame.bytes);
        break;
      case 'presence':
        doc?.presence.receive(frame.peer, frame.key, frame.value, frame.ttlMs);
        break;
      case 'error':
        if (doc !== undefined) doc.refused(frame.code, frame.message);
        else this.reportError(new RemoteError(frame.code, frame.message));
        break;
      case 'ping':
        this.send({ type: 'pong', nonce: frame.nonce });
        break;
      case 'pong':
        break;
      default:
        this.#drop(CloseCode.protocol, `a server may not send '${frame.type}' frames`);
    }
  }

  #welcome(peer: PeerId, idleTimeoutMs: number): void {
    this.#peer = peer;
    this.#pingEveryMs = Math.max(1, Math.min(this.#heartbeatMs, Math.floor(idleTimeoutMs / 3)));
    this.#startHeartbeat();
    this.#setStatus('open');
    for (const doc of this.#docs.values()) doc.subscribe();
  }
}
